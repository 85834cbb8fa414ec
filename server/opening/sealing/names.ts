/**
 * X.500 distinguished names: DER Name → readable text. Browser-safe.
 */
import { type DerNode, Tag, TagClass, contentOf, oidOf } from "./der";

const SHORT_NAMES: Readonly<Record<string, string>> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.42": "GN",
  "2.5.4.97": "organizationIdentifier",
  "1.2.840.113549.1.9.1": "emailAddress",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
};

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Decodes a directory string value (UTF8String, BMPString, PrintableString, ...). */
function stringValue(bytes: Uint8Array, node: DerNode): string {
  const c = contentOf(bytes, node);
  if (node.tagClass !== TagClass.universal) return hexValue(c);
  switch (node.tagNumber) {
    case Tag.utf8String:
      return utf8.decode(c);
    case Tag.bmpString: {
      let s = "";
      for (let i = 0; i + 1 < c.length; i += 2) s += String.fromCharCode(((c[i] as number) << 8) | (c[i + 1] as number));
      return s;
    }
    case Tag.universalString: {
      let s = "";
      for (let i = 0; i + 3 < c.length; i += 4) {
        s += String.fromCodePoint((((c[i] as number) << 24) | ((c[i + 1] as number) << 16) | ((c[i + 2] as number) << 8) | (c[i + 3] as number)) >>> 0);
      }
      return s;
    }
    case Tag.printableString:
    case Tag.ia5String:
    case Tag.t61String:
      return String.fromCharCode(...c);
    default:
      return hexValue(c);
  }
}

function hexValue(c: Uint8Array): string {
  return "#" + Array.from(c, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Formats a DER Name as "C=CN, O=测试CA, CN=测试根证书" (the order of the
 * encoding, like `openssl x509 -nameopt oneline`-style output). Unparseable
 * parts are shown as hex rather than throwing.
 */
export function formatName(bytes: Uint8Array, name: DerNode): string {
  const parts: string[] = [];
  for (const rdn of name.children) {
    const atvs: string[] = [];
    for (const atv of rdn.children) {
      const [type, value] = atv.children;
      if (!type || !value) continue;
      let key: string;
      try {
        const oid = oidOf(bytes, type);
        key = SHORT_NAMES[oid] ?? oid;
      } catch {
        key = "?";
      }
      atvs.push(`${key}=${stringValue(bytes, value)}`);
    }
    parts.push(atvs.join(" + "));
  }
  return parts.join(", ");
}

/** Loose DN comparison key: case-folded, whitespace-collapsed text. */
export function nameKey(dn: string): string {
  return dn.normalize("NFC").toLowerCase().replace(/\s+/g, " ").trim();
}
