"""Turns a text file into a C source defining one string constant.

Usage: embed.py INPUT OUTPUT SYMBOL. The output carries a do-not-edit banner.
"""
import sys

src, out, symbol = sys.argv[1], sys.argv[2], sys.argv[3]
with open(src, encoding="utf-8") as f:
    text = f.read()
lines = ["/* generated from %s by schema/embed.py: do not edit */" % src.split("/")[-1],
         "const char %s[] =" % symbol]
for line in text.splitlines(True):
    esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    lines.append('\t"%s"' % esc)
lines.append("\t;")
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
