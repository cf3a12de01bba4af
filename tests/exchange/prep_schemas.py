#!/usr/bin/python3
"""Make the IODEF schemas usable offline: copy the RFC 7970 and RFC 5070
schemas and the W3C xml.xsd / xmldsig-core-schema.xsd from the sample data
directory into OUTDIR, pointing their imports at the local copies. RFC 7970
also imports the IANA iodef-enum-1.0 (RFC 7495) and iodef-sci-1.0 (RFC 7203)
schemas, which the sample data does not carry: stand-ins that declare the
four elements it refers to (enum:ReferenceName, sci:AttackPattern,
sci:Vulnerability, sci:Weakness) as any content are written instead. vigil
writes none of those optional elements, so every element vigil does write is
checked against the RFC's own declarations.

usage: prep_schemas.py DATADIR/iodef OUTDIR
"""
import re
import sys

src, out = sys.argv[1], sys.argv[2]


def read(name):
    with open(f"{src}/{name}", encoding="utf-8") as f:
        return f.read()


def write(name, text):
    with open(f"{out}/{name}", "w", encoding="utf-8") as f:
        f.write(text)


write("xml.xsd", read("xml.xsd"))
# the DOCTYPE names a DTD on the network; the schema does not need it
write("xmldsig-core-schema.xsd", re.sub(r"<!DOCTYPE schema.*?\]>", "", read("xmldsig-core-schema.xsd"), flags=re.S))

stub = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{ns}"
  elementFormDefault="qualified">
{els}</xs:schema>
"""
write("iodef-enum-1.0.xsd", stub.format(ns="urn:ietf:params:xml:ns:iodef-enum-1.0",
                                        els='  <xs:element name="ReferenceName" type="xs:anyType"/>\n'))
write("iodef-sci-1.0.xsd", stub.format(ns="urn:ietf:params:xml:ns:iodef-sci-1.0", els="".join(
    f'  <xs:element name="{e}" type="xs:anyType"/>\n' for e in ("AttackPattern", "Vulnerability", "Weakness"))))

s = read("iodef-2.0_from_rfc7970.xsd")
s = re.sub(r'schemaLocation="http://www\.w3\.org/TR/2002/\s*REC-xmldsig-core-20020212/xmldsig-core-schema\.xsd"',
           'schemaLocation="xmldsig-core-schema.xsd"', s)
s = re.sub(r'schemaLocation="http://www\.iana\.org/assignments/\s*xml-registry/schema/iodef-enum-1\.0\.xsd"',
           'schemaLocation="iodef-enum-1.0.xsd"', s)
s = re.sub(r'schemaLocation="http://www\.iana\.org/assignments/\s*xml-registry/schema/iodef-sci-1\.0\.xsd"',
           'schemaLocation="iodef-sci-1.0.xsd"', s)
s = re.sub(r'schemaLocation="http://www\.w3c?\.org/2001/xml\.xsd"', 'schemaLocation="xml.xsd"', s)
if "http://" in "".join(re.findall(r'schemaLocation="[^"]*"', s)):
    sys.exit("prep_schemas: an import of the 2.0 schema still points at the network")
write("iodef-2.0.xsd", s)

s = read("iodef-1.0_from_rfc5070.xsd")
s = re.sub(r'schemaLocation="[^"]*xmldsig-core-schema\.xsd"', 'schemaLocation="xmldsig-core-schema.xsd"', s, flags=re.S)
s = re.sub(r'schemaLocation="http://www\.w3c?\.org/2001/xml\.xsd"', 'schemaLocation="xml.xsd"', s)
write("iodef-1.0.xsd", s)
