// Package limit counts and logs the refserver's limits on broken and hostile
// clients (PROTOCOL.md section 12, LIM-1 … LIM-7): every time a limit closes
// a connection or refuses a request, its Reporter counts it (exported as
// stampede_limit_closes_total{limit="LIM-n"}) and logs a warn line that
// starts with "limit LIM-n:", at most once a second per limit, with the
// total so far and how many were not logged.
//
// Concurrency: a Reporter is safe for concurrent use; Hit is a few atomics
// and, at most once a second per limit, one log call. A nil *Reporter counts
// and logs nothing.
package limit
