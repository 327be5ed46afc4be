#!/usr/bin/env python3
"""Static server for the web app: `/` is www/, `/pkg/` is the wasm-pack output.

Only static files (and a POST to /share, the share target's, sent on to the page), bound to
127.0.0.1. It sends the cross-origin isolation headers (COOP/COEP) that multi-threaded WebAssembly
needs, the page's Content-Security-Policy (also in index.html, for other static hosts; as a header
it covers the worker too), and the right MIME type for .wasm files.
`--models DIR` serves DIR at `/models/` instead of www/models (the end-to-end tests' fixtures).
"""
import argparse
import http.server
import os
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Everything from this site, nothing from anywhere else; WebAssembly may be compiled.
CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".webmanifest": "application/manifest+json",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".bpk": "application/octet-stream",
        # Model cards: shown as text in a tab (browsers download text/markdown instead).
        ".md": "text/plain; charset=utf-8",
    }

    models_dir = os.path.join(ROOT, "www", "models")

    def translate_path(self, path):
        clean = urllib.parse.unquote(path.split("?", 1)[0].split("#", 1)[0])
        if clean.startswith("/pkg/"):
            base, rest = os.path.join(ROOT, "pkg"), clean[len("/pkg/"):]
        elif clean.startswith("/models/"):
            base, rest = self.models_dir, clean[len("/models/"):]
        else:
            base, rest = os.path.join(ROOT, "www"), clean.lstrip("/")
        full = os.path.normpath(os.path.join(base, rest))
        if full != base and not full.startswith(base + os.sep):
            return os.path.join(base, "__outside__")
        return full

    def do_POST(self):
        # A share from another app (the manifest's share_target) is the service worker's to take;
        # one that reaches the server (no service worker yet) goes to the page, which says that
        # nothing arrived.
        if self.path.split("?", 1)[0] != "/share":
            self.send_error(405, "Only the share target takes POST")
            return
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                break
            remaining -= len(chunk)
        self.send_response(303)
        self.send_header("Location", "/?shared=0")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def end_headers(self):
        # Every response with headers passes here: files, redirects, and send_error's 4xx/5xx.
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, fmt, *args):
        if os.environ.get("UNPAIRED_QUIET") != "1":
            super().log_message(fmt, *args)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--models", help="serve this folder at /models/ instead of www/models")
    args = parser.parse_args()
    if args.models:
        Handler.models_dir = os.path.abspath(args.models)
    server = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    host, port = server.server_address[:2]
    print(f"Unpaired is at http://{host}:{port}/  (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
