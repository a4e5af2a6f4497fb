"""Quick draft check for helpers: YAML parses, visible length, required keys.

The real validation is `vigie content check`; this exists only while it is built.
"""
import html
import re
import sys

import yaml

TAG = re.compile(r"<[^>]+>")
for path in sys.argv[1:]:
    data = yaml.safe_load(open(path, encoding="utf-8"))
    for key, section in data.items():
        for tid, item in section.items():
            if key == "intents":
                fr, en = len(item.get("fr", [])), len(item.get("en", []))
                flag = "" if fr >= 15 and en >= 6 else "  <-- need >=15 fr, >=6 en"
                print(f"{path}: {tid}: fr={fr} en={en}{flag}")
                continue
            for lang in ("fr", "en"):
                block = item.get(lang) or {}
                text = block.get("text", "")
                visible = len(html.unescape(TAG.sub("", text)).strip())
                flag = "" if visible <= 1200 else "  <-- TOO LONG (max 1200)"
                missing = [k for k in ("title", "text", "sources") if not block.get(k)]
                print(f"{path}: {tid} [{lang}] {visible} chars{flag}{'  missing ' + str(missing) if missing else ''}")
