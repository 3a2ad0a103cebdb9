"""A stand-in for ODK Collect in tests: it speaks to the server the way Collect does (HTTP Basic
after a 401 challenge, `X-OpenRosa-Version: 1.0` on every request, HEAD before POST, the
finished form as the multipart part `xml_submission_file`) and fills in the real XForm the
server sent, from its primary instance, as Collect serialises it."""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import PASSWORD

XFORMS = "{http://www.w3.org/2002/xforms}"
LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"


def basic(username: str, secret: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()


@dataclass
class Collect:
    client: Client
    username: str
    secret: str = PASSWORD

    def headers(self) -> dict[str, str]:
        return {
            "HTTP_AUTHORIZATION": basic(self.username, self.secret),
            "HTTP_X_OPENROSA_VERSION": "1.0",
            "HTTP_DATE": "Mon, 23 Nov 2026 07:00:00 GMT",
        }

    def get(self, url: str):
        return self.client.get(url, **self.headers())

    def form_list(self) -> list[dict[str, str]]:
        response = self.get("/formList")
        assert response.status_code == 200, response.content
        root = ET.fromstring(response.content)
        return [
            {child.tag.removeprefix(LIST): (child.text or "") for child in item}
            for item in root.findall(f"{LIST}xform")
        ]

    def manifest(self, url: str) -> list[dict[str, str]]:
        root = ET.fromstring(self.get(url).content)
        return [
            {child.tag.removeprefix(MANIFEST): (child.text or "") for child in item}
            for item in root.findall(f"{MANIFEST}mediaFile")
        ]

    def head(self):
        return self.client.head("/submission", **self.headers())

    def send(self, xml: bytes, **extra_parts):
        """HEAD then POST, as Collect sends a finished form."""
        head = self.head()
        assert head.status_code == 204, head.content
        parts = {
            "xml_submission_file": SimpleUploadedFile(
                "Caregiver_2026-11-23_09-00-00.xml", xml, content_type="text/xml"
            ),
            **extra_parts,
        }
        return self.client.post("/submission", parts, **self.headers())


JR_TEMPLATE = "{http://openrosa.org/javarosa}template"


def fill(
    xform: str,
    answers: dict[str, str],
    instance_id: str | None = None,
    repeats: dict[str, list[dict[str, str]]] | None = None,
) -> bytes:
    """The form's primary instance with the answers put in by element name, serialised as
    Collect sends it: no default namespace, `id` and `version` on the root. `repeats` gives
    each repeat's rows: Collect leaves out the repeat's template (`jr:template`) and sends one
    element per row, in order, where the repeat stands."""
    root = ET.fromstring(xform)
    model = root.find(f".//{XFORMS}model")
    data = next(iter(model.find(f"{XFORMS}instance")))
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    values = {**answers, "instanceID": instance_id}
    for element in data.iter():
        element.tag = element.tag.removeprefix(XFORMS)
    for name, rows in (repeats or {}).items():
        for parent in data.iter():
            found = [c for c in parent if c.tag == name]
            if not found:
                continue
            blank = next((c for c in found if c.get(JR_TEMPLATE) is not None), found[0])
            at = list(parent).index(found[0])
            for element in found:
                parent.remove(element)
            for offset, row in enumerate(rows):
                copy = ET.fromstring(ET.tostring(blank))
                copy.attrib.pop(JR_TEMPLATE, None)
                for leaf in copy.iter():
                    if len(leaf) == 0 and leaf.tag in row:
                        leaf.text = str(row[leaf.tag])
                parent.insert(at + offset, copy)
            break
    for parent in list(data.iter()):
        for element in [c for c in parent if c.get(JR_TEMPLATE) is not None]:
            parent.remove(element)  # Collect never sends a repeat's template
    for element in data.iter():
        if len(element) == 0 and element.tag in values:
            element.text = str(values[element.tag])
    body = ET.tostring(data, encoding="unicode")
    return ("<?xml version='1.0' ?>" + body).encode()


def instance_id_of(xml: bytes) -> str:
    root = ET.fromstring(xml)
    return root.find("meta/instanceID").text.removeprefix("uuid:")
