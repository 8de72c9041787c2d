package yjs

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err)
	return b
}

// Real updates written by Yjs 13.6 (testdata/node/yjs/fixtures.js special).
const (
	// root text "text": "a\uFFFD", a piece of the next one
	realPiece = "01016400040104746578740461efbfbd00"
	// root text "text": "a😀b😀c"
	realWhole = "01016400040104746578740b61f09f988062f09f98806300"
	// a map entry overwritten, and its delete set
	realMapSet  = "01010d002801036d6170016b01760101697d0000"
	realMapOver = "01010d01a80d0001760101697d01010d010001"
)

func TestMergeUpdatesNoneAndOne(t *testing.T) {
	t.Parallel()
	got, err := MergeUpdates(nil)
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 0}, got)
	got[0] = 9
	assert.Equal(t, []byte{0, 0}, EmptyUpdate, "the result is a copy")

	one := unhex(t, realWhole)
	got, err = MergeUpdates([][]byte{one})
	require.NoError(t, err)
	assert.Equal(t, one, got, "one update comes back as is, as Y.mergeUpdates does")
	got[0] = 9
	assert.Equal(t, unhex(t, realWhole), one, "the result is a copy")

	_, err = MergeUpdates([][]byte{{1}})
	assert.ErrorIs(t, err, ErrMalformed, "one update is read before it is returned")
}

// The v1 format by hand: GC ranges of client 9 that touch are joined, a gap
// becomes a Skip, delete sets are merged per client, highest client first.
func TestMergeUpdatesByHand(t *testing.T) {
	t.Parallel()
	gc := func(clock, length byte) []byte { return []byte{1, 1, 9, clock, 0, length, 0} }
	tests := []struct {
		name    string
		updates [][]byte
		want    string
	}{
		{"adjacent GC ranges join", [][]byte{gc(0, 3), gc(3, 4)},
			"01 01 09 00 00 07 00"},
		{"overlapping GC ranges join", [][]byte{gc(0, 3), gc(1, 5)},
			"01 01 09 00 00 06 00"},
		{"a gap is a Skip", [][]byte{gc(0, 2), gc(5, 1)},
			"01 03 09 00 00 02 0a 03 00 01 00"},
		{"order does not matter", [][]byte{gc(5, 1), gc(0, 2)},
			"01 03 09 00 00 02 0a 03 00 01 00"},
		{"duplicates are dropped", [][]byte{gc(0, 2), gc(0, 2), gc(0, 1)},
			"01 01 09 00 00 02 00"},
		{"delete sets merge", [][]byte{
			unhex(t, "00 01 09 01 00 02"),              // client 9: [0,2)
			unhex(t, "00 02 05 01 00 01 09 01 01 03")}, // client 5: [0,1); 9: [1,4)
			"00 02 09 01 00 04 05 01 00 01"},
		{"an item overwritten in a map", [][]byte{unhex(t, realMapOver), unhex(t, realMapSet)},
			// the overwrite has an origin, so its map key is not written: 0x88, not 0xa8
			"01 02 0d 00 28 01 03 6d 61 70 01 6b 01 76 01 01 69 7d 00 88 0d 00 01 76 01 01 69 7d 01 01 0d 01 00 01"},
		{"a string item cut inside a surrogate pair", [][]byte{unhex(t, realPiece), unhex(t, realWhole)},
			// the piece, then the rest of the whole item: U+FFFD, "b😀c", origin (100, 1)
			"01 02 64 00 04 01 04 74 65 78 74 04 61 ef bf bd 84 64 01 09 ef bf bd 62 f0 9f 98 80 63 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := MergeUpdates(tt.updates)
			require.NoError(t, err)
			assert.Equal(t, hex.EncodeToString(unhex(t, tt.want)), hex.EncodeToString(got))
			assert.NoError(t, Validate(got))
		})
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	// A struct group of client 1 at clock 0 holding one struct with this
	// info byte and body, and an empty delete set.
	item := func(body string) string { return "01 01 01 00 " + body + " 00" }
	tests := []struct{ name, update string }{
		{"empty", ""},
		{"truncated varUint", "80"},
		{"groups but no group", "01"},
		{"no delete set", "00"},
		{"varUint beyond 2^53", "00 01 ff ff ff ff ff ff ff 7f"},
		{"unknown content ref", item("0b")},
		{"Skip ref with origin bits", item("8a 01 00")},
		{"GC truncated", item("00")},
		{"origin truncated", item("84 01")},
		{"parent key truncated", item("04 01 05 74 65")},
		{"string not UTF-8", item("04 01 01 74 02 c3 28")},
		{"string with a surrogate", item("04 01 01 74 03 ed a0 80")},
		{"embed not JSON", item("05 01 01 74 03 7b 7d 7d")},
		{"format value not JSON", item("06 01 01 74 01 62 01 78")},
		{"unknown type ref", item("07 01 01 74 07")},
		{"xml element without name", item("07 01 01 74 03")},
		{"JSON element not JSON", item("02 01 01 74 01 03 6e 75 6c")},
		{"JSON count beyond the data", item("02 01 01 74 ff ff 03")},
		{"Any of unknown type", item("08 01 01 74 01 73")},
		{"Any array truncated", item("08 01 01 74 01 75 05 7d 01")},
		{"Any object key not UTF-8", item("08 01 01 74 01 76 01 01 ff 7e")},
		{"Any float truncated", item("08 01 01 74 01 7b 00 00")},
		{"doc without options", item("09 01 01 74 01 67")},
		{"binary longer than the data", item("03 01 01 74 05 01 02")},
		{"clock beyond 2^53", "01 02 01 00 00 ff ff ff ff ff ff ff 0f 00 01 00"},
		{"delete set truncated", "00 01 09 02 00 01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bad := unhex(t, tt.update)
			assert.ErrorIs(t, Validate(bad), ErrMalformed)
			_, err := MergeUpdates([][]byte{EmptyUpdate, bad})
			require.ErrorIs(t, err, ErrMalformed)
			assert.Contains(t, err.Error(), "update 1 of 2")
		})
	}
}

func TestValidateAcceptsEveryContent(t *testing.T) {
	t.Parallel()
	item := func(body string) []byte { return unhex(t, "01 01 01 00 "+body+" 00") }
	for name, body := range map[string]string{
		"deleted":     "01 01 01 74 03",
		"JSON":        "02 01 01 74 02 01 31 09 75 6e 64 65 66 69 6e 65 64",
		"binary":      "03 01 01 74 02 01 02",
		"string":      "04 01 01 74 02 68 69",
		"embed":       "05 01 01 74 02 7b 7d",
		"format":      "06 01 01 74 01 62 04 74 72 75 65",
		"type":        "07 01 01 74 01",
		"xml element": "07 01 01 74 03 01 70",
		"xml hook":    "07 01 01 74 05 01 68",
		"any":         "08 01 01 74 09 7f 7e 7d 41 7c 00 00 00 00 7b 00 00 00 00 00 00 00 00 7a 00 00 00 00 00 00 00 00 79 78 77 01 61",
		"nested any":  "08 01 01 74 02 76 01 01 6b 75 02 7d 01 74 01 00 75 00",
		"doc":         "09 01 01 74 04 67 75 69 64 76 00",
		"map entry":   "28 01 01 6d 01 6b 01 77 01 76",
		"in a type":   "08 00 05 01 01 7e",
	} {
		assert.NoError(t, Validate(item(body)), name)
	}
	assert.NoError(t, Validate(append(item("01 01 01 74 03"), 0xff)), "bytes after the delete set are ignored")
}

func TestSplitUTF16(t *testing.T) {
	t.Parallel()
	s := []byte("a😀b")
	for k, want := range []string{"a😀b", "😀b", "\uFFFDb", "b", ""} {
		assert.Equal(t, want, string(splitUTF16(s, uint64(k))), "k=%d", k)
	}
	assert.Equal(t, uint64(4), utf16Len(s))
	assert.Equal(t, uint64(3), utf16Len([]byte("é中x")))
}

func TestErrorsWrap(t *testing.T) {
	t.Parallel()
	err := Validate([]byte{0x80})
	assert.True(t, errors.Is(err, ErrMalformed))
	assert.Contains(t, err.Error(), "at byte 1")
}
