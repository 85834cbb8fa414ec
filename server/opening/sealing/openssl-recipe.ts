/**
 * How a bidder recovers the content key of their sealed bid with the OpenSSL
 * command line alone (OpenSSL 1.1.1 / 3.x, a POSIX shell), to hand the hex
 * key to the opening hall without giving away the private key. Browser-safe
 * (plain text, meant to be shown on the bidder's page). The test suite runs
 * this exact script with the real `openssl` and feeds its output to
 * decryptToFile.
 *
 * Steps:
 *  1. `openssl x509 -in cert.pem -noout -serial` → the certificate's serial.
 *  2. `openssl asn1parse -inform DER -in bid.p7m` lists the envelope; in the
 *     RecipientInfo whose INTEGER equals that serial, the next lines are the
 *     keyEncryptionAlgorithm (rsaEncryption = PKCS#1 v1.5, rsaesOaep = OAEP,
 *     with `sha256` listed when OAEP uses SHA-256) and then the encryptedKey
 *     line `OFF:d=5 hl=HL l=LEN prim: OCTET STRING [HEX DUMP]:…`.
 *  3. `tail -c +$((OFF+HL+1)) bid.p7m | head -c LEN > ek.bin` cuts out the
 *     encryptedKey bytes.
 *  4. `openssl pkeyutl -decrypt -inkey key.pem -in ek.bin -out cek.bin`, adding
 *     for OAEP `-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:H
 *     -pkeyopt rsa_mgf1_md:M`, H and M being the hashes listed in the params
 *     ([0] and after `mgf1` in [1]; sha1 when absent).
 *  5. `od -An -tx1 -v cek.bin | tr -d ' \n'` prints the hex content key
 *     (32/48/64 hex digits for AES-128/192/256).
 *
 * A PEM envelope is first converted with
 * `openssl asn1parse -inform PEM -in bid.pem -noout -out bid.p7m`.
 * (`openssl cms -decrypt -debug_decrypt` does not print the key, and
 * `asn1parse -length` cannot stop early on a definite-length envelope.)
 */
export const OPENSSL_KEY_RECOVERY_SH = `#!/bin/sh
# usage: sh recover-key.sh bid.p7m cert.pem key.pem   (prints the hex content key)
set -eu
ENV=$1; CERT=$2; KEY=$3
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
SERIAL=$(openssl x509 -in "$CERT" -noout -serial | cut -d= -f2)
# the lines after our serial, up to and including the encryptedKey OCTET STRING
openssl asn1parse -inform DER -in "$ENV" 2>/dev/null | awk -v s="$SERIAL" '
  /INTEGER/ && index($0, ":" s) && index($0, ":" s) == length($0) - length(s) { found = 1; next }
  found && /OCTET STRING/ { print; exit }
  found { print }' > "$TMP/ri.txt" || true
LINE=$(tail -n 1 "$TMP/ri.txt")
case "$LINE" in *"OCTET STRING"*) ;; *) echo "no RecipientInfo for serial $SERIAL" >&2; exit 2;; esac
OFF=$(echo "$LINE" | sed -E 's/^ *([0-9]+):.*/\\1/')
HL=$(echo "$LINE" | sed -E 's/.*hl= *([0-9]+).*/\\1/')
LEN=$(echo "$LINE" | sed -E 's/.* l= *([0-9]+) .*/\\1/')
OPTS=""
if grep -q ":rsaesOaep" "$TMP/ri.txt"; then
  # RSAES-OAEP-params: [0] hash (default sha1), [1] mgf1 with its hash (default sha1)
  MD=$(awk '/:mgf1/ { exit } /:sha[0-9]+ *$/ { sub(/.*:/, ""); sub(/ +$/, ""); print; exit }' "$TMP/ri.txt")
  MGF=$(awk 'm && /:sha[0-9]+ *$/ { sub(/.*:/, ""); sub(/ +$/, ""); print; exit } /:mgf1/ { m = 1 }' "$TMP/ri.txt")
  OPTS="-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:\${MD:-sha1} -pkeyopt rsa_mgf1_md:\${MGF:-sha1}"
fi
tail -c +$((OFF + HL + 1)) "$ENV" | head -c "$LEN" > "$TMP/ek.bin"
openssl pkeyutl -decrypt -inkey "$KEY" -in "$TMP/ek.bin" -out "$TMP/cek.bin" $OPTS
od -An -tx1 -v "$TMP/cek.bin" | tr -d ' \\n'
echo
`;
