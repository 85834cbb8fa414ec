/**
 * RSA key transport with node-forge (PKCS#1 v1.5 and OAEP). Browser-safe:
 * imports forge only.
 *
 * Node 20's crypto.privateDecrypt refuses RSA_PKCS1_PADDING (CVE-2023-46809),
 * so v1.5 unwrapping always goes through here; OAEP may use either.
 */
import forge from "node-forge";
import type { OaepHash } from "./algorithms";
import { fromBinaryString, toBinaryString } from "./der";
import { SealingError } from "./errors";
import type { KeyEncryptionAlgorithm } from "./types";

/** Creates a forge message digest for an OAEP hash name. */
export function forgeDigest(hash: OaepHash): forge.md.MessageDigest {
  switch (hash) {
    case "sha1":
      return forge.md.sha1.create();
    case "sha256":
      return forge.md.sha256.create();
    case "sha384":
      return forge.md.sha384.create();
    case "sha512":
      return forge.md.sha512.create();
    default:
      throw new SealingError("ENVELOPE_UNSUPPORTED_KEY_TRANSPORT", `OAEP hash ${hash} is not available in forge`);
  }
}

/** forge scheme name + options for an OAEP / v1.5 key-encryption algorithm. */
function scheme(alg: KeyEncryptionAlgorithm): { name: "RSA-OAEP" | "RSAES-PKCS1-V1_5"; options?: object } {
  if (alg.padding === "pkcs1") return { name: "RSAES-PKCS1-V1_5" };
  if (alg.padding === "oaep") {
    if (!alg.hash || !alg.mgf1Hash) {
      throw new SealingError("ENVELOPE_UNSUPPORTED_KEY_TRANSPORT", "RSA-OAEP with an unknown hash or mask function");
    }
    return {
      name: "RSA-OAEP",
      options: {
        md: forgeDigest(alg.hash),
        mgf1: { md: forgeDigest(alg.mgf1Hash) },
        label: alg.label.length ? toBinaryString(alg.label) : undefined,
      },
    };
  }
  throw new SealingError("ENVELOPE_UNSUPPORTED_KEY_TRANSPORT", `key encryption ${alg.oid} is not RSA`);
}

/**
 * Decrypts an encryptedKey with a forge RSA private key. Throws
 * ENVELOPE_UNWRAP_FAILED when the padding does not check out (wrong key).
 */
export function forgeUnwrap(
  privateKey: forge.pki.rsa.PrivateKey,
  alg: KeyEncryptionAlgorithm,
  encryptedKey: Uint8Array,
): Uint8Array {
  const s = scheme(alg);
  try {
    return fromBinaryString(privateKey.decrypt(toBinaryString(encryptedKey), s.name, s.options));
  } catch (err) {
    throw new SealingError("ENVELOPE_UNWRAP_FAILED", "RSA decryption of the content key failed (wrong private key?)", {
      cause: err,
    });
  }
}

/** Encrypts a content key for a forge RSA public key. */
export function forgeWrap(
  publicKey: forge.pki.rsa.PublicKey,
  alg: KeyEncryptionAlgorithm,
  contentKey: Uint8Array,
): Uint8Array {
  const s = scheme(alg);
  return fromBinaryString(publicKey.encrypt(toBinaryString(contentKey), s.name, s.options));
}
