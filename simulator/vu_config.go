package simulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/stampede-sio/stampede/internal/excerpt"
)

// config returns the target's /api/config, fetching it once per process:
// concurrent first clients wait for one fetch; a failed fetch is not kept,
// so a later client tries again.
func (t *target) config(ctx context.Context, p *plan) (*serverConfig, error) {
	for {
		t.mu.Lock()
		if t.cfg != nil {
			cfg := t.cfg
			t.mu.Unlock()
			return cfg, nil
		}
		if ch := t.fetching; ch != nil {
			t.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		t.fetching = ch
		t.mu.Unlock()
		cfg, err := fetchConfig(ctx, p.http, t.base, p.dialTO)
		t.mu.Lock()
		t.cfg, t.fetching = cfg, nil
		t.mu.Unlock()
		close(ch)
		return cfg, err
	}
}

// fetchConfig reads GET /api/config (PROTOCOL.md section 11). A config
// whose heartbeat interval is not a number is still returned, with an error
// saying so (SESS-1).
func fetchConfig(ctx context.Context, hc *http.Client, base string, timeout time.Duration) (*serverConfig, error) {
	var body struct {
		Features struct {
			EnableWebsocket *bool           `json:"enable_websocket"`
			Heartbeat       json.RawMessage `json:"websocket_heartbeat_interval"`
		} `json:"features"`
	}
	if err := getJSON(ctx, hc, base+"/api/config", "", timeout, &body); err != nil {
		return nil, err
	}
	cfg := &serverConfig{websocket: body.Features.EnableWebsocket}
	if hb := body.Features.Heartbeat; len(hb) > 0 && string(hb) != "null" {
		var secs float64
		if json.Unmarshal(hb, &secs) != nil || secs <= 0 {
			return cfg, fmt.Errorf("GET /api/config: features.websocket_heartbeat_interval is %s, not a positive number of seconds (SESS-1)", excerpt.Message(string(hb)))
		}
		cfg.heartbeat = time.Duration(secs * float64(time.Second))
	}
	return cfg, nil
}

// getJSON GETs url with the bearer token (if any) and decodes the JSON
// answer into dst (nil: discard it); anything but 200 is an error.
func getJSON(ctx context.Context, hc *http.Client, url, token string, timeout time.Duration, dst any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, 1<<20)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(body, 256))
		return fmt.Errorf("GET %s: %s: %s", url, excerpt.Message(resp.Status), excerpt.Of(b))
	}
	if dst == nil {
		_, err = io.Copy(io.Discard, body)
		return err
	}
	if err := json.NewDecoder(body).Decode(dst); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	_, _ = io.Copy(io.Discard, body) // drain, so the connection is reused
	return nil
}
