package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// writeLayer writes the tree under root as a tar at out, byte for byte the
// same for the same tree: entries in lexical order, owned by root, one
// timestamp, and modes reduced to 0755/0644 (0700 and 1777 for such folders),
// so neither the build machine's umask nor its clock shows. It returns the
// tar's size and sha256 (the layer's diff ID).
func writeLayer(root, out string, epoch time.Time) (int64, string, error) {
	f, err := os.Create(out)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	digest := sha256.New()
	counter := &countingWriter{w: io.MultiWriter(f, digest)}
	tw := tar.NewWriter(counter)
	seen := map[[2]uint64]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return err
		}
		return addEntry(tw, root, path, epoch, seen)
	})
	if err != nil {
		return 0, "", err
	}
	if err := tw.Close(); err != nil {
		return 0, "", err
	}
	return counter.n, hex.EncodeToString(digest.Sum(nil)), f.Close()
}

// compressed gives the gzip of the tar whose sha256 is diffID, from the blob
// cache when an earlier build made it (node's and the worker's layers seldom
// change, and compressing them is most of a build's time) and made there
// otherwise. Compression is deterministic, so a cached blob is the one a
// fresh build would write.
func compressed(tarFile, diffID, cacheDir string) (string, error) {
	blob := filepath.Join(cacheDir, diffID+".tar.gz")
	if _, err := os.Stat(blob); err == nil {
		now := time.Now()
		return blob, os.Chtimes(blob, now, now)
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", err
	}
	in, err := os.Open(tarFile)
	if err != nil {
		return "", err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(cacheDir, diffID+".tmp-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	zw := gzip.NewWriter(tmp)
	if _, err := io.Copy(zw, in); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return blob, os.Rename(tmp.Name(), blob)
}

// pruneBlobs removes cached blobs no build used for a week.
func pruneBlobs(cacheDir string) {
	entries, _ := os.ReadDir(cacheDir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > 7*24*time.Hour {
			_ = os.Remove(filepath.Join(cacheDir, e.Name()))
		}
	}
}

func addEntry(tw *tar.Writer, root, path string, epoch time.Time, seen map[[2]uint64]string) error {
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: filepath.ToSlash(rel), ModTime: epoch, Mode: normalMode(info.Mode())}
	switch {
	case info.Mode().IsDir():
		hdr.Typeflag, hdr.Name = tar.TypeDir, hdr.Name+"/"
	case info.Mode()&fs.ModeSymlink != 0:
		hdr.Typeflag = tar.TypeSymlink
		if hdr.Linkname, err = os.Readlink(path); err != nil {
			return err
		}
	case info.Mode().IsRegular():
		if first, ok := hardlinkOf(info, hdr.Name, seen); ok {
			hdr.Typeflag, hdr.Linkname = tar.TypeLink, first
			return tw.WriteHeader(hdr)
		}
		hdr.Typeflag, hdr.Size = tar.TypeReg, info.Size()
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		return copyFile(tw, path)
	default:
		return fmt.Errorf("%s: only folders, files and symlinks belong in an image layer (found %s)", path, info.Mode().Type())
	}
	return tw.WriteHeader(hdr)
}

// hardlinkOf records a file with more than one link and tells whether an
// earlier entry of this layer is the same file.
func hardlinkOf(info fs.FileInfo, name string, seen map[[2]uint64]string) (string, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || st.Nlink < 2 {
		return "", false
	}
	key := [2]uint64{uint64(st.Dev), uint64(st.Ino)}
	if first, found := seen[key]; found {
		return first, true
	}
	seen[key] = name
	return "", false
}

func normalMode(m fs.FileMode) int64 {
	switch {
	case m.IsDir() && m&fs.ModeSticky != 0:
		return 0o1777
	case m.IsDir() && m&0o007 == 0:
		return 0o700
	case m&fs.ModeSymlink != 0:
		return 0o777
	case m.IsDir(), m&0o111 != 0:
		return 0o755
	default:
		return 0o644
	}
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
