package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"edubureau/config"
	"edubureau/db"
	"edubureau/pii"
)

// errNoKey is start-up's answer outside the demo when no key is configured.
var errNoKey = errors.New("no key for personal data: set EDUBUREAU_KEY or --key-file; create one with `edubureau keys new`")

// demoKeyFile is the demo's key file when its database is not a SQLite
// file (a PostgreSQL demo): in the working directory.
const demoKeyFile = "edubureau-demo.key"

// loadKeyring finds the key that protects personal data at rest (package
// pii), for serve and demo to call at start:
//
//   - EDUBUREAU_KEY when set (it wins), else the key file cfg.KeyFile
//     (--key-file, EDUBUREAU_KEY_FILE); old keys from EDUBUREAU_KEY_OLD are
//     added so values not yet re-encrypted still open;
//   - in demo mode with neither, the key file beside the SQLite database
//     (dbPath + ".key", mode 0600), created on first run and reused after;
//   - otherwise start-up stops with one line saying how to make a key.
//
// dbPath is the SQLite database file ("" for PostgreSQL; see sqlitePath).
// Its errors are one line and never contain key material.
func loadKeyring(cfg config.Config, e env, demoMode bool, dbPath string) (*pii.Keyring, error) {
	keyFile := cfg.KeyFile
	if strings.TrimSpace(e.getenv(pii.EnvKey)) == "" && keyFile == "" {
		if !demoMode {
			return nil, errNoKey
		}
		keyFile = demoKeyFile
		if dbPath != "" {
			keyFile = dbPath + ".key"
		}
		switch _, err := os.Stat(keyFile); {
		case errors.Is(err, fs.ErrNotExist):
			if err := pii.CreateKeyFile(keyFile); err != nil {
				return nil, keyErrorLine(err)
			}
			fmt.Fprintf(e.stderr, "created a key for personal data in %s (mode 0600); keep it with the database: without it the personal data cannot be read\n", keyFile)
		case err != nil:
			return nil, fmt.Errorf("personal-data key file %s: %v", keyFile, err)
		}
	}
	k, err := pii.LoadFromEnv(e.getenv, keyFile)
	if err != nil {
		return nil, keyErrorLine(err)
	}
	return k, nil
}

// sqlitePath is the file of a sqlite: DSN, or "" for any other database.
func sqlitePath(dsn string) string {
	d, _, where, err := db.ParseDSN(dsn)
	if err != nil || d != db.SQLite {
		return ""
	}
	return filepath.Clean(where)
}

// keyErrorLine keeps an error's text to its first line (start-up errors are one
// line); errors.Is and errors.As still see the cause.
func keyErrorLine(err error) error {
	s := err.Error()
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return keyLineError{s[:i], err}
	}
	return err
}

type keyLineError struct {
	line string
	err  error
}

func (l keyLineError) Error() string { return l.line }
func (l keyLineError) Unwrap() error { return l.err }
