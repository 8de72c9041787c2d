package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/internal/token"
)

const tokenUsage = `Usage: stampede token --user ID [--secret S] [--expires 1h]

Prints one open-webui JWT (HS256, claims id, exp, jti, iat) on stdout, signed
with --secret, else WEBUI_SECRET_KEY, else the key stampede serve generated.
--expires -1 mints a token without exp (as JWT_EXPIRES_IN=-1).

Examples:
  stampede token --user u000001
  TOKEN=$(stampede token --user u000042 --expires 10m)
`

var tokenCommand = command{
	summary: "mint a token for a user",
	usage:   tokenUsage,
	runE:    runToken,
}

func runToken(_ context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	user := fs.String("user", "", "")
	secretFlag := fs.String("secret", "", "")
	expires := fs.String("expires", "1h", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stdout, tokenUsage)
			return nil
		}
		return usagef("%v", err)
	}
	if *user == "" || fs.NArg() > 0 {
		return usagef("--user is required and no arguments are taken\n\n%s", strings.TrimSuffix(tokenUsage, "\n"))
	}
	ttl := time.Duration(-1)
	if *expires != "-1" {
		d, err := time.ParseDuration(*expires)
		if err != nil || d <= 0 {
			return usagef("--expires %q: want a positive duration or -1", *expires)
		}
		ttl = d
	}
	secret, _, _, err := resolveSecret(e, *secretFlag, false)
	if err != nil {
		return err
	}
	tok, err := token.Mint(secret, *user, ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, tok)
	return nil
}
