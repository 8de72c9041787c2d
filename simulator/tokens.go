package simulator

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-sio/stampede/internal/token"
	"github.com/stampede-sio/stampede/scenarios"
)

// adminUser is the admin of the generated population (CLI.md), whose token
// the control step uses. auth.user's default starts clients at u000002 to
// leave it free.
const adminUser = "u000001"

// adminTTL is the lifetime of the admin token; it is minted again when less
// than half of it is left, so runs of any length keep a valid one.
const adminTTL = 2 * time.Hour

// ErrNoSecret: tokens must be minted (auth mode mint, or a control step) but
// the Env has no secret.
var ErrNoSecret = errors.New("simulator: no secret to mint tokens (--secret or WEBUI_SECRET_KEY)")

// mintToken signs an HS256 token for user that expires after ttl (never
// when ttl is negative), as open-webui's create_token does (token.Mint).
func mintToken(secret []byte, user string, ttl time.Duration, now time.Time) (string, error) {
	if len(secret) == 0 {
		return "", ErrNoSecret
	}
	tok, err := token.Mint(secret, user, ttl, now)
	if err != nil {
		return "", fmt.Errorf("failed to sign a token for %s: %w", user, err)
	}
	return tok, nil
}

// adminToken is the control step's bearer token for adminUser, minted on
// first use and renewed before it expires.
type adminToken struct {
	secret []byte
	mu     sync.Mutex
	tok    string
	until  time.Time // renew after
}

func (a *adminToken) get(now time.Time) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok != "" && now.Before(a.until) {
		return a.tok, nil
	}
	tok, err := mintToken(a.secret, adminUser, adminTTL, now)
	if err != nil {
		return "", err
	}
	a.tok, a.until = tok, now.Add(adminTTL/2)
	return tok, nil
}

// premint holds tokens minted before a run (Env.Premint) for the clients
// this process starts first, so that a ramp does not pay for rendering
// auth.user and signing: HS256 plus a template cost tens of microseconds,
// a sizable share of a connect. A client takes its own once.
type premint struct {
	mu    sync.Mutex
	seg   Segment
	slots []mintedAuth // slot k: the k-th index seg owns
	left  int          // slots not taken yet
}

type mintedAuth struct{ user, token string }

// slot is where index's token is kept, when seg owns index.
func (m *premint) slot(index int) (int, bool) {
	if m.seg.Whole() {
		return index, true
	}
	if !m.seg.Owns(index) {
		return 0, false
	}
	return index / m.seg.N, true
}

// take returns and forgets index's token, if it was minted.
func (m *premint) take(index int) (mintedAuth, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.slot(index)
	if !ok || k >= len(m.slots) || m.slots[k].token == "" {
		return mintedAuth{}, false
	}
	a := m.slots[k]
	m.slots[k] = mintedAuth{}
	if m.left--; m.left == 0 {
		m.slots = nil
	}
	return a, true
}

// TemplateTimeout bounds one rendering of auth.user before the run: a
// template that takes longer is an error naming the field, not a hang.
var TemplateTimeout = 2 * time.Second

// Premint mints, ahead of the run, the tokens of the clients with indexes
// below n that this process's Segment owns (auth mode mint only), with the
// same user and flow each client would get itself; Run calls it with the
// scenario's peak before its clock starts. Tokens are issued now: their
// lifetime (auth.expires) counts from the premint, a few seconds early.
// It prepares the Env first, and reports Prepare's error, ctx's when ctx
// ends first (SIGINT), and a rendering of auth.user that makes no progress
// within TemplateTimeout.
func (e *Env) Premint(ctx context.Context, n int) error {
	if err := e.Prepare(); err != nil {
		return err
	}
	p := e.plan
	if p.mode != scenarios.AuthMint || n <= 0 {
		return nil
	}
	var stop atomic.Bool // the minting goroutine gives up at its next write or client
	var minted atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.premint(n, &stop, &minted)
	}()
	tick := time.NewTicker(TemplateTimeout / 4)
	defer tick.Stop()
	last, since := int64(-1), time.Now()
	for {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			stop.Store(true)
			return ctx.Err()
		case now := <-tick.C:
			if k := minted.Load(); k != last {
				last, since = k, now
			} else if now.Sub(since) > TemplateTimeout {
				stop.Store(true)
				return fmt.Errorf("%w: auth.user: rendering the template for client %d took longer than %v", ErrSetup, k, TemplateTimeout)
			}
		}
	}
}

// premint is Premint's minting, until stop; minted counts the clients done.
func (p *plan) premint(n int, stop *atomic.Bool, minted *atomic.Int64) {
	m := &p.minted
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seg = p.env.Segment
	now := time.Now()
	for index := range n {
		if stop.Load() {
			return
		}
		minted.Store(int64(index))
		k, ok := m.slot(index)
		if !ok {
			continue
		}
		var pcg mrand.PCG // as newVU: the client's own source, first draw
		pcg.Seed(p.env.Seed, uint64(index))
		_, td := p.identity(index, mrand.New(&pcg))
		user, token, err := p.mintUntil(index, &td, now, stop)
		if err != nil {
			return // the clients mint their own, and report why they cannot
		}
		if k >= len(m.slots) {
			m.slots = append(m.slots, make([]mintedAuth, k+1-len(m.slots))...)
		}
		m.slots[k] = mintedAuth{user, token}
		m.left++
	}
}
