package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stampede-sio/stampede/internal/excerpt"
)

// control runs a control step: the action's route on the client's target
// with the admin token (u000001, minted with Env.Secret), the rendered
// params filling the route's {name} parts and the rest as the JSON body.
// A failure counts under errors{kind:control}.
//
// once: only the first client to reach the step acts, per process — and
// only in the process that runs segment 1 (or the whole run), so that a run
// spread over n processes (--segment i/n) still acts once, by a client of
// segment 1. The others go on with their flow at once.
func (v *vu) control(ctx context.Context, c *controlPlan) {
	p := v.p
	if c.once {
		if seg := p.env.Segment; !seg.Whole() && seg.I != 1 {
			return
		}
		if !c.done.CompareAndSwap(false, true) {
			return
		}
	}
	if err := v.callControl(ctx, c); err != nil && ctx.Err() == nil {
		p.m.rec.Error(errControl, err)
	}
}

func (v *vu) callControl(ctx context.Context, c *controlPlan) error {
	p := v.p
	rendered, err := c.params.render(&v.td)
	if err != nil {
		return fmt.Errorf("%s params: %w", c.name, err)
	}
	params, _ := rendered.(map[string]any)
	route, body := fillRoute(c.action.Route, params)
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("%s params: %w", c.name, err)
	}
	tok, err := p.admin.get(time.Now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, max(p.ackTimeout, 30*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, c.action.Method, v.tgt.base+route, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("control %s: %w", c.name, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("control %s: %s %s: %s: %s", c.name, c.action.Method, route, excerpt.Message(resp.Status), excerpt.Of(bytes.TrimSpace(answer)))
	}
	return nil
}

// fillRoute replaces each {name} of route with params[name] (path-escaped)
// and returns the params left over as the body.
func fillRoute(route string, params map[string]any) (string, map[string]any) {
	body := make(map[string]any, len(params))
	for k, x := range params {
		body[k] = x
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(route, '{')
		j := strings.IndexByte(route, '}')
		if i < 0 || j < i {
			b.WriteString(route)
			return b.String(), body
		}
		name := route[i+1 : j]
		b.WriteString(route[:i])
		b.WriteString(url.PathEscape(fmt.Sprint(params[name])))
		delete(body, name)
		route = route[j+1:]
	}
}
