package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/stampede-sio/stampede/conformance/check"
)

// Cases returns the app layer's cases in PROTOCOL.md's order. Each call
// starts a new run: the users it hands out and the document locks belong to
// the cases it returns.
func Cases() []check.Case {
	r := &run{next: firstUser, docs: map[string]chan struct{}{}}
	var all []check.Case
	for _, section := range [][]check.Case{
		authCases(r), sessCases(r), chanCases(r), chatCases(r), docCases(r), scaleCases(r), httpCases(),
	} {
		all = append(all, section...)
	}
	return all
}

// firstUser is the first user handed out to cases (CLI.md's population:
// u000001 … u020000; the low ones are kept for fixed roles).
const firstUser = 100

// run is what the cases of one Cases call share: a counter of users, so
// that cases running at once never share a user's rooms, and one lock per
// document, since the population has only a few notes.
type run struct {
	next int
	docs map[string]chan struct{}
}

// user hands out a fresh user id. It runs while the cases are built, so
// each case owns the same users on every run.
func (r *run) user() string {
	id := fmt.Sprintf("u%06d", r.next)
	r.next++
	return id
}

func (r *run) lock(doc string) chan struct{} {
	l, ok := r.docs[doc]
	if !ok {
		l = make(chan struct{}, 1)
		r.docs[doc] = l
	}
	return l
}

// must builds an app-layer MUST case.
func must(id, requirement string, fn func(t *check.T)) check.Case {
	return check.Case{ID: id, Requirement: requirement, Level: check.Must, Layer: check.LayerApp,
		Run: func(_ context.Context, t *check.T) { fn(t) }}
}

// slow is must with its own timeout, for cases that wait on the server's
// timers or on a document lock.
func slow(id, requirement string, timeout time.Duration, fn func(t *check.T)) check.Case {
	c := must(id, requirement, fn)
	c.Timeout = timeout
	return c
}

// httpCases are section 11's endpoints.
func httpCases() []check.Case {
	return []check.Case{
		must("HTTP-config", "GET /api/config → {features:{enable_websocket, websocket_heartbeat_interval, …}}.", func(t *check.T) {
			var cfg struct {
				Features map[string]any `json:"features"`
			}
			decode(t, "a JSON object", get(t, "/api/config", ""), &cfg)
			if _, ok := cfg.Features["enable_websocket"].(bool); !ok {
				t.Failf("features.enable_websocket, a boolean", "features %s", render(cfg.Features))
			}
			if _, ok := cfg.Features["websocket_heartbeat_interval"].(float64); !ok {
				t.Failf("features.websocket_heartbeat_interval, a number", "features %s", render(cfg.Features))
			}
		}),
		must("HTTP-version", "GET /api/version → {version, deployment_id}.", func(t *check.T) {
			var v map[string]any
			decode(t, "a JSON object", get(t, "/api/version", ""), &v)
			for _, k := range []string{"version", "deployment_id"} {
				if s, ok := v[k].(string); !ok || s == "" {
					t.Failf(k+", a non-empty string", "%s", render(v))
				}
			}
		}),
		must("HTTP-usage", "GET /api/usage → {model_ids, user_count}.", func(t *check.T) {
			needSecret(t)
			var v map[string]any
			decode(t, "a JSON object", get(t, "/api/usage", t.Target.Token(check.AdminUser, time.Hour)), &v)
			if _, ok := v["model_ids"].([]any); !ok {
				t.Failf("model_ids, an array", "%s", render(v))
			}
			if n, ok := v["user_count"].(float64); !ok || n < 0 || n != float64(int64(n)) {
				t.Failf("user_count, a whole number", "%s", render(v))
			}
		}),
	}
}

// get is a GET that must answer 200 JSON.
func get(t *check.T, path, token string) []byte {
	status, b, err := request(t, http.MethodGet, path, nil, token)
	if err != nil || status != http.StatusOK {
		t.Failf("GET "+path+" to answer 200", "HTTP %d %s %v", status, b, err)
	}
	return b
}
