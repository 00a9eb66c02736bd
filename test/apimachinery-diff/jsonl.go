// Gzipped JSON Lines output that is byte-for-byte reproducible: encoding/json writes struct fields in
// declaration order and map keys sorted, and the gzip header carries no name and a zero mtime. The manifest
// also records a SHA-256 of the uncompressed lines, so a check can tell a content change from a change in
// compress/flate's output between Go releases.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"unicode/utf8"
)

type jsonlWriter struct {
	name  string
	file  *os.File
	buf   *bufio.Writer
	gz    *gzip.Writer
	hash  hash.Hash
	lines int
	line  bytes.Buffer
	enc   *json.Encoder
}

func createJSONL(dir, name string) (*jsonlWriter, error) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriterSize(f, 1<<16)
	gz, err := gzip.NewWriterLevel(buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	w := &jsonlWriter{name: name, file: f, buf: buf, gz: gz, hash: sha256.New()}
	w.enc = json.NewEncoder(&w.line)
	w.enc.SetEscapeHTML(false)
	return w, nil
}

// write appends one record. Every string in it must be valid UTF-8: encoding/json would silently replace bad
// bytes with U+FFFD and the TypeScript side would then be handed a different input than Go was.
func (w *jsonlWriter) write(record any) {
	w.line.Reset()
	if err := w.enc.Encode(record); err != nil {
		panic(fmt.Sprintf("%s: %v", w.name, err))
	}
	if !utf8.Valid(w.line.Bytes()) {
		panic(fmt.Sprintf("%s: record is not valid UTF-8: %q", w.name, w.line.String()))
	}
	w.hash.Write(w.line.Bytes())
	if _, err := w.gz.Write(w.line.Bytes()); err != nil {
		panic(err)
	}
	w.lines++
}

type fileSummary struct {
	Lines  int    `json:"lines"`
	SHA256 string `json:"sha256"`
}

func (w *jsonlWriter) close() (fileSummary, error) {
	if err := w.gz.Close(); err != nil {
		return fileSummary{}, err
	}
	if err := w.buf.Flush(); err != nil {
		return fileSummary{}, err
	}
	if err := w.file.Close(); err != nil {
		return fileSummary{}, err
	}
	return fileSummary{Lines: w.lines, SHA256: hex.EncodeToString(w.hash.Sum(nil))}, nil
}
