#!/usr/bin/env python3
"""Static server for the web app: `/` is www/, `/pkg/` is the wasm-pack output.

Only static files, bound to 127.0.0.1. It sends the cross-origin isolation headers (COOP/COEP)
that multi-threaded WebAssembly needs, and the right MIME type for .wasm files.
"""
import argparse
import functools
import http.server
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".bpk": "application/octet-stream",
    }

    def translate_path(self, path):
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if clean.startswith("/pkg/"):
            base, rest = os.path.join(ROOT, "pkg"), clean[len("/pkg/"):]
        else:
            base, rest = os.path.join(ROOT, "www"), clean.lstrip("/")
        full = os.path.normpath(os.path.join(base, rest))
        if not full.startswith(base):
            return os.path.join(base, "__outside__")
        return full

    def end_headers(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, fmt, *args):
        if os.environ.get("UNPAIRED_QUIET") != "1":
            super().log_message(fmt, *args)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    print(f"Unpaired is at http://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
