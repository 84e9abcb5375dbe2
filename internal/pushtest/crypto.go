package pushtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// Decrypt opens an aes128gcm body (RFC 8188) encrypted for the holder of
// priv and auth (RFC 8291 §3.4): the sender's public key is the header's
// key id.
func Decrypt(body []byte, priv *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("body shorter than the aes128gcm header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if rs < 18 {
		return nil, fmt.Errorf("record size %d below 18", rs)
	}
	if len(body) < 21+idlen {
		return nil, errors.New("body shorter than its key id")
	}
	asPublic, records := body[21:21+idlen], body[21+idlen:]
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, fmt.Errorf("key id is not a P-256 public key: %w", err)
	}
	secret, err := priv.ECDH(as)
	if err != nil {
		return nil, err
	}
	// IKM = HKDF(auth, ecdh_secret, "WebPush: info" 0x00 ua_public as_public, 32)
	prkKey, err := hkdf.Extract(sha256.New, secret, auth)
	if err != nil {
		return nil, err
	}
	info := "WebPush: info\x00" + string(priv.PublicKey().Bytes()) + string(asPublic)
	ikm, err := hkdf.Expand(sha256.New, prkKey, info, 32)
	if err != nil {
		return nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	var out []byte
	for seq := uint64(0); len(records) > 0; seq++ {
		n := min(int(rs), len(records))
		rec := records[:n]
		records = records[n:]
		iv := make([]byte, 12)
		copy(iv, nonce)
		var s [8]byte
		binary.BigEndian.PutUint64(s[:], seq)
		for i := range 8 {
			iv[4+i] ^= s[i]
		}
		plain, err := gcm.Open(nil, iv, rec, nil)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", seq, err)
		}
		end := len(plain) - 1
		for end >= 0 && plain[end] == 0 {
			end--
		}
		last := len(records) == 0
		switch {
		case end < 0:
			return nil, fmt.Errorf("record %d has no delimiter", seq)
		case last && plain[end] != 2, !last && plain[end] != 1:
			return nil, fmt.Errorf("record %d: delimiter %d (last=%v)", seq, plain[end], last)
		}
		out = append(out, plain[:end]...)
	}
	return out, nil
}

// checkVAPID verifies an Authorization header of the vapid scheme (RFC 8292
// §3): an ES256 JWT signed by the key k, for the audience origin, not
// expired nor expiring more than 24 hours ahead, with a mailto: or https:
// subject. It returns k and the subject.
func checkVAPID(header, origin string, now time.Time) (key, subject string, err error) {
	params, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return "", "", fmt.Errorf("authorization %q is not of the vapid scheme", header)
	}
	var token string
	for p := range strings.SplitSeq(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch k {
		case "t":
			token = v
		case "k":
			key = v
		}
	}
	pubBytes, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil {
		return "", "", fmt.Errorf("k is not base64url: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pubBytes)
	if err != nil {
		return "", "", fmt.Errorf("k is not a P-256 public key: %w", err)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", "", errors.New("t is not a JWT")
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if err := decodePart(parts[0], &hdr); err != nil || hdr.Alg != "ES256" {
		return "", "", fmt.Errorf("JWT header: alg %q, want ES256 (%v)", hdr.Alg, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return "", "", errors.New("JWT signature is not 64 bytes of r‖s")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return "", "", errors.New("JWT signature does not verify with k")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := decodePart(parts[1], &claims); err != nil {
		return "", "", fmt.Errorf("JWT claims: %w", err)
	}
	exp := time.Unix(claims.Exp, 0)
	switch {
	case claims.Aud != origin:
		return "", "", fmt.Errorf("aud %q, want the push service's origin %q", claims.Aud, origin)
	case !exp.After(now):
		return "", "", fmt.Errorf("token expired at %v", exp)
	case exp.After(now.Add(24 * time.Hour)):
		return "", "", fmt.Errorf("exp %v is more than 24 hours ahead", exp)
	case !strings.HasPrefix(claims.Sub, "mailto:") && !strings.HasPrefix(claims.Sub, "https:"):
		return "", "", fmt.Errorf("sub %q is neither mailto: nor https:", claims.Sub)
	}
	return key, claims.Sub, nil
}

func decodePart(p string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// readAll reads a request body of at most 64 KiB.
func readAll(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, 64<<10))
}
