package importer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"edubureau/fault"
	"edubureau/i18n"
)

// Source is the file to import.
type Source struct {
	Name string // the file's name as the importer knows it (uploaded name, or base name on disk)
	Size int64  // bytes; 0 when unknown
	// Path is the file on disk. XLSX needs it (a workbook is a zip archive,
	// read by random access); CSV may come from Open instead.
	Path string
	// Open opens the file from the start; it may be called more than once
	// (in-file duplicates are confirmed by reading the file again). When nil,
	// Path is opened.
	Open func() (io.ReadCloser, error)
}

// FileSource is the file at path.
func FileSource(path string) (Source, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Source{}, fault.New(fault.NotFound, "文件 %s 不存在", "file %s does not exist", path)
		}
		return Source{}, fault.New(fault.Invalid, "无法读取文件 %s：%v", "cannot read file %s: %v", path, err)
	}
	if st.IsDir() {
		return Source{}, fault.New(fault.Invalid, "%s 是目录，不是文件", "%s is a directory, not a file", path)
	}
	return Source{Name: filepath.Base(path), Size: st.Size(), Path: path}, nil
}

// ReaderSource is a stream that open can start again from the beginning
// (CSV only: a generated file in a benchmark, say).
func ReaderSource(name string, size int64, open func() (io.ReadCloser, error)) Source {
	return Source{Name: name, Size: size, Open: open}
}

func (s Source) open() (io.ReadCloser, error) {
	if s.Open != nil {
		return s.Open()
	}
	f, err := os.Open(s.Path)
	if err != nil {
		return nil, fault.New(fault.Invalid, "无法打开文件 %s：%v", "cannot open file %s: %v", s.Name, err)
	}
	return f, nil
}

// Format is the kind of file.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}
)

// sniff tells CSV from XLSX by the first bytes, refusing the formats the engine cannot read.
func sniff(head []byte, name string) (Format, error) {
	switch {
	case len(head) == 0:
		return "", fileProblem(i18n.T("文件是空的", "the file is empty"))
	case bytes.HasPrefix(head, zipMagic):
		return XLSX, nil
	case bytes.HasPrefix(head, oleMagic):
		return "", fileProblem(i18n.T("这是旧版 Excel 97-2003（.xls）文件或加了密码的工作簿，无法读取；请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）后再导入",
			"this is an old Excel 97-2003 (.xls) file or a password-protected workbook, which cannot be read; save it as .xlsx or CSV (UTF-8) in Excel and import that"))
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "", fileProblem(i18n.T("这是 PDF 文件；请导入 CSV 或 .xlsx", "this is a PDF file; import a CSV or .xlsx file"))
	}
	if ext := strings.ToLower(filepath.Ext(name)); ext == ".xlsx" || ext == ".xlsm" {
		return "", fileProblem(i18n.T("文件扩展名是 %s，但内容不是 Excel 工作簿（可能已损坏）", "the file is named %s but is not an Excel workbook (it may be damaged)", ext))
	}
	return CSV, nil
}

// FileError is a problem with the file as a whole (unreadable, no header,
// a missing column): nothing is imported.
type FileError struct {
	Problem Problem
}

func (e *FileError) Error() string { return e.Problem.Message.String() }

func fileProblem(msg i18n.Text) error { return &FileError{Problem: Problem{Message: msg}} }

func rowProblem(row int, msg i18n.Text) error {
	return &FileError{Problem: Problem{Row: row, Message: msg}}
}

// counter counts the bytes read through it and, optionally, hashes them.
type counter struct {
	r io.Reader
	n atomic.Int64 // read by the progress reports while the reading goroutine reads
	h hash.Hash
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	if c.h != nil && n > 0 {
		c.h.Write(p[:n])
	}
	return n, err
}

// Checksum returns the SHA-256 of the file, hex.
func (s Source) Checksum() (string, error) {
	rc, err := s.open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, bufio.NewReaderSize(rc, 1<<16)); err != nil {
		return "", fault.New(fault.Invalid, "读取文件 %s 失败：%v", "reading file %s failed: %v", s.Name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Spool copies r into a new file in dir (for an upload: XLSX needs random
// access, and a second pass may read it again), returning the file's path,
// size and SHA-256. limit caps the size (0: none). The file is removed on error.
func Spool(dir string, r io.Reader, limit int64) (path string, size int64, sum string, err error) {
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, "", fault.Wrap(err, "import directory")
	}
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return "", 0, "", fault.Wrap(err, "spool upload")
	}
	h := sha256.New()
	src := r
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && limit > 0 && n > limit {
		err = fault.New(fault.TooLarge, "文件超过 %d MB 的上限", "the file is over the limit of %d MB", limit>>20)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", 0, "", err
	}
	return f.Name(), n, hex.EncodeToString(h.Sum(nil)), nil
}

// DescribeSize writes a number of bytes for people: 1.5 MB.
func DescribeSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
