// Package hdr encodes HDR histograms in the V2 compressed format that
// hdrhistogram-go's Histogram.Encode writes and its Decode reads, byte for
// byte the same, without the allocations of Encode: the library makes a new
// zlib compressor at its best level (about 1 MiB of garbage) for every call,
// and a run encodes its acks of each second. Here the compressor and the
// buffers are kept.
package hdr
