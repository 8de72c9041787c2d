package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// secretFile is where serve keeps the key it generated when neither --secret
// nor WEBUI_SECRET_KEY was given, so that token, check and run find it.
func secretFile(e env) (string, error) {
	if p := e.getenv("STAMPEDE_SECRET_FILE"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "stampede", "webui_secret_key"), nil
}

// resolveSecret is the flag, else WEBUI_SECRET_KEY, else the secret file.
// With create, a missing file is made with a new random key; created tells.
func resolveSecret(e env, flagValue string, create bool) (secret []byte, from string, created bool, err error) {
	if flagValue != "" {
		return []byte(flagValue), "--secret", false, nil
	}
	if v := e.getenv("WEBUI_SECRET_KEY"); v != "" {
		return []byte(v), "WEBUI_SECRET_KEY", false, nil
	}
	path, err := secretFile(e)
	if err != nil {
		return nil, "", false, err
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil && len(strings.TrimSpace(string(b))) > 0:
		return []byte(strings.TrimSpace(string(b))), path, false, nil
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return nil, "", false, fmt.Errorf("failed to read secret file: %w", err)
	case !create:
		return nil, "", false, usagef("no secret: pass --secret, set WEBUI_SECRET_KEY, or start stampede serve once to create %s", path)
	}
	var raw [32]byte
	rand.Read(raw[:])
	key := hex.EncodeToString(raw[:])
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", false, fmt.Errorf("failed to create secret file: %w", err)
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return nil, "", false, fmt.Errorf("failed to write secret file: %w", err)
	}
	return []byte(key), path, true, nil
}

// commandLine is the command line a record keeps, with the value of
// --secret replaced: records and reports get shared, the key must not be.
func commandLine(cmd string, args []string) []string {
	out := []string{"stampede", cmd}
	hide := false
	for _, a := range args {
		switch {
		case hide:
			a, hide = "REDACTED", false
		case a == "--secret" || a == "-secret":
			hide = true
		case strings.HasPrefix(a, "--secret=") || strings.HasPrefix(a, "-secret="):
			a = a[:strings.IndexByte(a, '=')+1] + "REDACTED"
		}
		out = append(out, a)
	}
	return out
}
