package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the repository's root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

// The Dockerfile's promises, read from the file: a Go builder stage, a
// static binary, a non-root user, stampede as the entrypoint (issue 14).
func TestDockerfileShape(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	require.NoError(t, err)
	df := string(b)
	froms := regexp.MustCompile(`(?m)^FROM `).FindAllStringIndex(df, -1)
	assert.Len(t, froms, 3, "multi-stage: a builder, the shell variant and the final image")
	assert.Regexp(t, `(?m)^FROM gcr\.io/distroless/static-debian12:nonroot\n`, df[froms[2][0]:], "the last stage, the default, has no shell")
	assert.Regexp(t, `(?m)^FROM golang:\S+ AS build$`, df)
	assert.Contains(t, df, "CGO_ENABLED=0", "a static binary")
	assert.Contains(t, df, "ARG GOPROXY", "the module proxy comes from the build's environment")
	assert.Regexp(t, `(?m)^USER nonroot`, df, "not root")
	assert.Regexp(t, `(?m)^ENTRYPOINT \["/usr/local/bin/stampede"\]$`, df)
	assert.Regexp(t, `(?m)^CMD \["serve", "--addr", "0\.0\.0\.0:8080"\]$`, df, "serve reachable from outside the container")
	ignore, err := os.ReadFile(filepath.Join(repoRoot(t), ".dockerignore"))
	require.NoError(t, err)
	assert.Contains(t, string(ignore), ".git")
}

// containerBuilder returns a working image builder (docker, podman or
// buildah) or why there is none.
func containerBuilder(ctx context.Context) (build []string, why string) {
	var reasons []string
	for _, c := range []struct{ tool, probe string }{{"docker", "info"}, {"podman", "info"}, {"buildah", "version"}} {
		path, err := exec.LookPath(c.tool)
		if err != nil {
			reasons = append(reasons, c.tool+": not installed")
			continue
		}
		out, err := exec.CommandContext(ctx, path, c.probe).CombinedOutput()
		if err != nil {
			reasons = append(reasons, c.tool+": "+lastLine(string(out), err))
			continue
		}
		if c.tool == "buildah" {
			return []string{path, "bud"}, ""
		}
		return []string{path, "build"}, ""
	}
	return nil, strings.Join(reasons, "; ")
}

func lastLine(out string, err error) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if l := lines[len(lines)-1]; l != "" {
		return l
	}
	return err.Error()
}

// The image builds, and its entrypoint is stampede. Needs a working
// container builder that can pull golang and distroless base images; else
// skipped, saying why.
func TestDockerfileBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: an image build takes minutes")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
	defer cancel()
	probe, cancelProbe := context.WithTimeout(ctx, 20*time.Second)
	build, why := containerBuilder(probe)
	cancelProbe()
	if build == nil {
		t.Skipf("no working container builder, the image was not built: %s", why)
	}
	tag := "stampede-test:" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	args := append(build[1:], "--build-arg", "GOPROXY="+goproxy(), "-t", tag, repoRoot(t))
	out, err := exec.CommandContext(ctx, build[0], args...).CombinedOutput()
	if err != nil && regexp.MustCompile(`(?i)pull|registry|manifest|dial tcp|TLS handshake`).Match(out) {
		t.Skipf("the base images could not be pulled here, the image was not built: %s", lastLine(string(out), err))
	}
	require.NoError(t, err, "%s", out)
	if filepath.Base(build[0]) == "buildah" {
		return // buildah builds; running needs podman
	}
	run, err := exec.CommandContext(ctx, build[0], "run", "--rm", tag, "version").CombinedOutput()
	require.NoError(t, err, "%s", run)
	assert.Contains(t, string(run), "stampede")
	uid, err := exec.CommandContext(ctx, build[0], "image", "inspect", "--format", "{{.Config.User}}", tag).CombinedOutput()
	require.NoError(t, err, "%s", uid)
	assert.Equal(t, "nonroot:nonroot", strings.TrimSpace(string(uid)))
}

// goproxy is the module proxy this test's environment uses.
func goproxy() string {
	if v := os.Getenv("GOPROXY"); v != "" {
		return v
	}
	out, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		return "https://proxy.golang.org,direct"
	}
	return strings.TrimSpace(string(out))
}
