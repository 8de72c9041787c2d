package scenarios

import "regexp"

// thresholdShape is the shape a threshold must have:
//
//	<metric>[{tag:value,...}] <op> <value>
//
// metric is lower case with an optional stat suffix (handshake_p99,
// error_rate, messages_received), op one of < <= > >= ==, and value a
// number with an optional unit (250ms, 1s, 0.1%, 10/s). Validate checks
// only this shape, because package scenarios imports nothing of stampede:
// package reports (ParseThreshold) owns the grammar, the metric names and
// the evaluation; commands parse them fully with ValidateWith.
var thresholdShape = regexp.MustCompile(`^\s*[a-z][a-z0-9_]*\s*` +
	`(\{\s*[a-z_][a-z0-9_.-]*\s*:\s*[^,{}\s][^,{}]*(,\s*[a-z_][a-z0-9_.-]*\s*:\s*[^,{}\s][^,{}]*)*\})?` +
	`\s*(<=|>=|==|<|>)\s*[-+]?[0-9.][0-9.eE+-]*(ms|s|us|µs|μs|%|/s)?\s*$`)
