#!/usr/bin/python3
"""Interop with the independent conformance client (zeep + xmlsec).

  interop.py sign KEY CERT   < envelope.xml   signs with SuwiSignature.apply, prints the result
  interop.py check           < signed.xml     SuwiSignature.check_answer; exit 0 when accepted

The client is imported from $DKD_CONFORMANCE_DIR (default <repo>/../shared/conformance).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.environ.get("DKD_CONFORMANCE_DIR") or os.path.join(HERE, "..", "..", "..", "shared", "conformance")
sys.path.insert(0, os.path.abspath(CONFORMANCE))

from suwiml_client import SuwiSignature  # noqa: E402


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    data = sys.stdin.buffer.read()
    if cmd == "sign":
        from lxml import etree
        envelope = etree.fromstring(data)
        envelope, _ = SuwiSignature(sys.argv[2], sys.argv[3]).apply(envelope, {})
        sys.stdout.buffer.write(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))
    elif cmd == "check":
        try:
            SuwiSignature(None, None).check_answer(data)
        except Exception as e:  # the client raises RuntimeError or xmlsec.Error
            sys.stderr.write("refused: %s: %s\n" % (type(e).__name__, e))
            sys.exit(1)
        sys.stdout.write("accepted\n")
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
