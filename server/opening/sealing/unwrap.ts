/**
 * unwrapKey: content-key recovery on the server side (or in a bidder's Node
 * tool). OAEP goes through Node's crypto; PKCS#1 v1.5 through forge, because
 * Node 20 refuses RSA_PKCS1_PADDING for private decryption (CVE-2023-46809).
 */
import { KeyObject, constants, createPrivateKey, privateDecrypt } from "node:crypto";
import forge from "node-forge";
import { SealingError } from "./errors";
import { forgeUnwrap } from "./forge-rsa";
import type { KeyTransRecipientInfo } from "./types";

/** Options of {@link unwrapKey}. */
export interface UnwrapOptions {
  /** Passphrase of an encrypted PEM private key. */
  passphrase?: string;
}

function loadKey(privateKey: string | Buffer | KeyObject, passphrase?: string): KeyObject {
  let key: KeyObject;
  try {
    key = privateKey instanceof KeyObject ? privateKey : createPrivateKey({ key: privateKey, format: "pem", passphrase });
  } catch (err) {
    throw new SealingError("PRIVATE_KEY_INVALID", `cannot read the private key: ${(err as Error).message}`, { cause: err });
  }
  if (key.type !== "private" || key.asymmetricKeyType !== "rsa") {
    throw new SealingError("PRIVATE_KEY_INVALID", "an RSA private key is required");
  }
  return key;
}

/**
 * Decrypts the RecipientInfo's encryptedKey with the recipient's RSA private
 * key (PEM PKCS#1/PKCS#8, optionally encrypted, or a KeyObject) and returns
 * the content-encryption key.
 *
 * Throws ENVELOPE_UNWRAP_FAILED (wrong key / bad padding), PRIVATE_KEY_INVALID,
 * ENVELOPE_UNSUPPORTED_KEY_TRANSPORT (not RSA, unknown OAEP hash).
 */
export function unwrapKey(
  recipient: KeyTransRecipientInfo,
  privateKeyPem: string | Buffer | KeyObject,
  options: UnwrapOptions = {},
): Buffer {
  const alg = recipient.keyEncryptionAlgorithm;
  if (alg.padding === null) {
    throw new SealingError("ENVELOPE_UNSUPPORTED_KEY_TRANSPORT", `key encryption ${alg.oid} is not RSA`);
  }
  const key = loadKey(privateKeyPem, options.passphrase);
  if (alg.padding === "oaep") {
    if (!alg.hash || !alg.mgf1Hash) {
      throw new SealingError("ENVELOPE_UNSUPPORTED_KEY_TRANSPORT", "RSA-OAEP with an unknown hash or mask function");
    }
    // Node ties MGF1's hash to the OAEP hash; the rare mixed case goes to forge.
    if (alg.hash === alg.mgf1Hash) {
      try {
        return privateDecrypt(
          {
            key,
            padding: constants.RSA_PKCS1_OAEP_PADDING,
            oaepHash: alg.hash,
            ...(alg.label.length ? { oaepLabel: alg.label } : {}),
          },
          recipient.encryptedKey,
        );
      } catch (err) {
        throw new SealingError("ENVELOPE_UNWRAP_FAILED", "RSA-OAEP decryption of the content key failed (wrong private key?)", {
          cause: err,
        });
      }
    }
  }
  const forgeKey = forge.pki.privateKeyFromPem(key.export({ type: "pkcs1", format: "pem" }).toString());
  return Buffer.from(forgeUnwrap(forgeKey, alg, recipient.encryptedKey));
}
