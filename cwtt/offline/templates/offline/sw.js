/* CWTT's service worker: lets the offline page open with no network.
 * It keeps only the offline page and the site's own scripts and styles — never a page or an
 * answer with a child's details; those are only ever in the encrypted store (offline/vault.js).
 * Online, every request goes to the network first, so nothing stale is shown. */
"use strict";
var CACHE = "cwtt-shell-v1";
var OFFLINE_URL = "{{ offline_url }}";
var SHELL = [{% for url in shell %}"{{ url|escapejs }}", {% endfor %}OFFLINE_URL];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (response.ok && !response.redirected) return cache.put(url, response);
      }).catch(function () {});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(path) {
  return path === OFFLINE_URL || SHELL.indexOf(path) >= 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (kept(url.pathname)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  if (request.mode === "navigate") {
    // Any other page, asked for with no network: open the offline page instead.
    event.respondWith(fetch(request).catch(function () {
      return caches.match(OFFLINE_URL).then(function (hit) { return hit || Response.error(); });
    }));
  }
});
