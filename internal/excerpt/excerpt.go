package excerpt

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Max is how many bytes of server output Of keeps.
const Max = 120

// MaxMessage is how many bytes of a printable message Message keeps.
const MaxMessage = 2 * Max

// Of returns b quoted (strconv.Quote), cut after Max bytes with
// "… (N bytes)" naming its full length.
func Of[T ~string | ~[]byte](b T) string {
	if len(b) <= Max {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:cut(b, Max)])) + marker(len(b))
}

// Message returns a library's message that may hold server output: as it
// is when printable and at most MaxMessage bytes long, cut there when
// longer, and as Of quotes it when it holds anything unprintable.
func Message(msg string) string {
	switch {
	case !printable(msg):
		return Of(msg)
	case len(msg) > MaxMessage:
		return msg[:cut(msg, MaxMessage)] + marker(len(msg))
	}
	return msg
}

// cut is where to cut b to at most n bytes without splitting a rune.
func cut[T ~string | ~[]byte](b T, n int) int {
	for i := n; i > n-utf8.UTFMax && i > 0; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return n
}

func marker(n int) string { return "… (" + strconv.Itoa(n) + " bytes)" }

func printable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
