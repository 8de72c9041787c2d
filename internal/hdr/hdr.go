package hdr

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"math"
	"sync"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The V2 format's cookies: the compressed envelope's, and the payload's
// inside it (each with the word size, 8, in its low bits as 0x10).
const (
	compressedCookie = hdrhistogram.V2CompressedEncodingCookieBase | 0x10
	payloadCookie    = hdrhistogram.V2EncodingCookieBase | 0x10
)

type encoder struct {
	payload bytes.Buffer // header and counts, before compression
	zbuf    bytes.Buffer // the compressed payload
	zw      *zlib.Writer
}

// shared is the one encoder, behind its lock: a run encodes about once a
// second, and a sync.Pool would lose it to nearly every GC cycle, each time
// making a new compressor (about 1 MiB).
var shared struct {
	sync.Mutex
	e *encoder
}

// Encode returns h as h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
// does: base64 of the envelope cookie, the compressed length and the zlib
// stream of the V2 payload (a 40-byte header, then the counts up to the
// highest recorded one as ZigZag LEB128, a run of zeros as its negated
// length). The counts come from h.Export, one copy of the counts array.
// The conversion ratio is written as 1, which it is for every histogram
// made by hdrhistogram.New (a decoded one may carry another: encode those
// with the library).
func Encode(h *hdrhistogram.Histogram) ([]byte, error) {
	snap := h.Export()
	counts := snap.Counts
	limit := len(counts)
	for limit > 1 && counts[limit-1] == 0 {
		limit--
	}
	shared.Lock()
	defer shared.Unlock()
	if shared.e == nil {
		shared.e = &encoder{}
		// BestCompression is a valid level: NewWriterLevel cannot fail.
		shared.e.zw, _ = zlib.NewWriterLevel(&shared.e.zbuf, zlib.BestCompression)
	}
	e := shared.e

	e.payload.Reset()
	var hdr [40]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(payloadCookie))
	// hdr[4:8], the counts' length, is set once they are written.
	binary.BigEndian.PutUint32(hdr[8:], 0) // normalizing index offset: counts are unrotated
	binary.BigEndian.PutUint32(hdr[12:], uint32(int32(snap.SignificantFigures)))
	binary.BigEndian.PutUint64(hdr[16:], uint64(snap.LowestTrackableValue))
	binary.BigEndian.PutUint64(hdr[24:], uint64(snap.HighestTrackableValue))
	binary.BigEndian.PutUint64(hdr[32:], math.Float64bits(1)) // integer to double conversion ratio
	e.payload.Write(hdr[:])
	var v [10]byte
	for i := 0; i < limit; {
		c := counts[i]
		i++
		if c == 0 {
			zeros := int64(1)
			for i < limit && counts[i] == 0 {
				zeros++
				i++
			}
			if zeros > 1 {
				c = -zeros
			}
		}
		e.payload.Write(putZigZag(v[:0], c))
	}
	b := e.payload.Bytes()
	binary.BigEndian.PutUint32(b[4:], uint32(len(b)-len(hdr)))

	e.zbuf.Reset()
	e.zw.Reset(&e.zbuf)
	if _, err := e.zw.Write(b); err != nil {
		return nil, err
	}
	if err := e.zw.Close(); err != nil {
		return nil, err
	}
	z := e.zbuf.Bytes()
	raw := make([]byte, 8+len(z))
	binary.BigEndian.PutUint32(raw[0:], uint32(compressedCookie))
	binary.BigEndian.PutUint32(raw[4:], uint32(len(z)))
	copy(raw[8:], z)
	out := make([]byte, base64.StdEncoding.EncodedLen(len(raw)))
	base64.StdEncoding.Encode(out, raw)
	return out, nil
}

// putZigZag appends x as the format's ZigZag LEB128 of at most 9 bytes:
// seven bits a byte with a continuation bit, the ninth byte all eight.
func putZigZag(dst []byte, x int64) []byte {
	u := uint64(x<<1) ^ uint64(x>>63)
	for i := 0; i < 8; i++ {
		if u>>7 == 0 {
			return append(dst, byte(u))
		}
		dst = append(dst, byte(u&0x7f)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}
