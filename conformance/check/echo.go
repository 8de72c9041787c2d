package check

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
)

// Echo is the target's echo namespace (PROTOCOL.md section 10): "/echo",
// the CLI's default, when none was given.
func (t *Target) Echo() string {
	if t.EchoNamespace == "" {
		return "/echo"
	}
	return t.EchoNamespace
}

// Other is the second namespace of the SIO-7 case that disconnects one of
// two: OtherNamespace, else "/" ("/custom" when the echo namespace is "/"),
// the two namespaces of the echo lab (PROTOCOL.md section 10).
func (t *Target) Other() string {
	switch {
	case t.OtherNamespace != "":
		return t.OtherNamespace
	case t.Echo() == "/":
		return "/custom"
	}
	return "/"
}

// NamespacePrefix is how namespace nsp appears in a packet: nothing for "/",
// else the name and a comma.
func NamespacePrefix(nsp string) string {
	if nsp == "/" {
		return ""
	}
	return nsp + ","
}

// Nonce returns a random suffix for names and payloads, so that concurrent
// cases never see each other's traffic or share rooms.
func Nonce() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// AckID returns a random ack id above the ones a client numbers itself
// (from 0), so that raw emits and EmitWithAck never collide.
func AckID() int64 {
	n, _ := rand.Int(rand.Reader, big.NewInt(900000))
	return 100000 + n.Int64()
}
