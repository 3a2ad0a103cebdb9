"""The OpenRosa 1.0 server: form list, forms, manifests and submissions for ODK Collect."""
