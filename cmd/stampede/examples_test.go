package main

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/stampede-sio/stampede/internal/threshold"
	"github.com/stampede-sio/stampede/simulator"
)

// exampleVars are the values the examples' shell variables stand for.
var exampleVars = map[string]string{
	"TARGET":           "http://127.0.0.1:8080",
	"WEBUI_SECRET_KEY": "example-secret",
}

// The GitHub Actions workflow parses as YAML, and each stampede command in
// its steps is accepted by that subcommand's own flag parser (issue 14).
func TestExampleWorkflowCommands(t *testing.T) {
	t.Parallel()
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string `yaml:"name"`
				Run  string `yaml:"run"`
				Uses string `yaml:"uses"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "github-actions", "stampede.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &wf))
	require.NotEmpty(t, wf.Jobs)
	var cmds [][]string
	for _, job := range wf.Jobs {
		for _, st := range job.Steps {
			cmds = append(cmds, stampedeCommands(t, st.Run)...)
		}
	}
	assert.ElementsMatch(t, []string{"serve", "check", "run", "report", "report"}, subcommands(cmds))
	for _, args := range cmds {
		checkCommandLine(t, args)
	}
	assert.Contains(t, string(b), "--junit results/check.xml", "check writes JUnit")
	assert.Contains(t, string(b), "--junit results/run.xml", "run writes its thresholds as JUnit")
	assert.Contains(t, string(b), "stampede report compare .stampede/baseline.json results/run.json", "the gate compares against the baseline")
	assert.Contains(t, string(b), "actions/upload-artifact", "the JSON reports are kept")
}

// k8sContainer is what the test reads of a pod's container.
type k8sContainer struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
}

// The Kubernetes manifest: every document parses; the Indexed Job runs one
// segment per pod and the merge Job merges exactly those records, each
// command accepted by stampede's flag parsers.
func TestExampleKubernetesCommands(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join(repoRoot(t), "examples", "kubernetes", "stampede-segments.yaml"))
	require.NoError(t, err)
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var cmds [][]string
	var indexed bool
	var completions int
	for {
		var doc struct {
			Kind string `yaml:"kind"`
			Spec struct {
				CompletionMode string `yaml:"completionMode"`
				Completions    int    `yaml:"completions"`
				Template       struct {
					Spec struct {
						InitContainers []k8sContainer `yaml:"initContainers"`
						Containers     []k8sContainer `yaml:"containers"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if doc.Spec.CompletionMode == "Indexed" {
			indexed, completions = true, doc.Spec.Completions
		}
		for _, c := range slices.Concat(doc.Spec.Template.Spec.InitContainers, doc.Spec.Template.Spec.Containers) {
			cmds = append(cmds, containerCommands(t, c)...)
		}
	}
	require.True(t, indexed, "an Indexed Job")
	require.Len(t, cmds, 2, "the segments' run and the merge")
	assert.Equal(t, "run", cmds[0][0])
	seg := cmds[0][slices.Index(cmds[0], "--segment")+1]
	assert.Equal(t, "1/"+strconv.Itoa(completions), seg, "pod 0 runs segment 1 of completions")
	assert.Equal(t, []string{"report", "merge"}, cmds[1][:2])
	assert.Len(t, slices.DeleteFunc(slices.Clone(cmds[1]), func(a string) bool { return !strings.HasSuffix(a, ".json") || a == cmds[1][len(cmds[1])-1] }),
		completions, "one record per segment is merged")
	for _, args := range cmds {
		checkCommandLine(t, args)
	}
}

// containerCommands returns the stampede command lines a container runs:
// a shell script's, or the image's entrypoint with args.
func containerCommands(t *testing.T, c k8sContainer) [][]string {
	if len(c.Command) == 2 && strings.HasSuffix(c.Command[0], "sh") && c.Command[1] == "-c" {
		return stampedeCommands(t, strings.Join(c.Args, "\n"))
	}
	if len(c.Command) == 0 && strings.HasPrefix(c.Image, "stampede") {
		return [][]string{c.Args}
	}
	return nil
}

var (
	shellSplit = regexp.MustCompile(`\|\||&&|;|\|`)
	shellIndex = regexp.MustCompile(`\$\(\(JOB_COMPLETION_INDEX\+1\)\)`)
	shellVar   = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)
)

// stampedeCommands finds the stampede invocations of a shell script, with
// its variables replaced (JOB_COMPLETION_INDEX is 0), as argument lists
// without the program name. It knows what the examples use: line
// continuations, && || ; | between commands, single and double quotes.
func stampedeCommands(t *testing.T, script string) [][]string {
	t.Helper()
	script = strings.ReplaceAll(script, "\\\n", " ")
	var cmds [][]string
	for _, line := range strings.Split(script, "\n") {
		for _, part := range shellSplit.Split(line, -1) {
			words := shellWords(part)
			if len(words) > 0 && words[0] == "exec" {
				words = words[1:]
			}
			if len(words) == 0 || filepath.Base(words[0]) != "stampede" {
				continue
			}
			args := withoutRedirections(words[1:])
			for i, a := range args {
				a = shellIndex.ReplaceAllString(a, "1")
				args[i] = shellVar.ReplaceAllStringFunc(a, func(v string) string {
					name := shellVar.FindStringSubmatch(v)[1]
					val, ok := exampleVars[name]
					assert.True(t, ok, "unknown variable %s in %q", name, part)
					return val
				})
			}
			cmds = append(cmds, args)
		}
	}
	return cmds
}

// withoutRedirections drops what the shell keeps for itself: "> FILE",
// "2>&1", a trailing "&".
func withoutRedirections(words []string) []string {
	redirect := regexp.MustCompile(`^[0-9]*(>>?|<)(&[0-9])?$`)
	var out []string
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case w == "&":
		case redirect.MatchString(w):
			if !strings.Contains(w, "&") {
				i++ // the file
			}
		default:
			out = append(out, w)
		}
	}
	return out
}

// shellWords splits s at unquoted blanks, removing the quotes.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	inWord, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

func subcommands(cmds [][]string) []string {
	var out []string
	for _, c := range cmds {
		if len(c) > 0 {
			out = append(out, c[0])
		}
	}
	return out
}

// checkCommandLine hands args (subcommand first) to that subcommand's own
// flag parser, without running it: run's and serve's parse functions;
// check with --list, which parses and lists the cases without a target
// contacted; report merge up to reading its records, which do not exist.
func checkCommandLine(t *testing.T, args []string) {
	t.Helper()
	require.NotEmpty(t, args)
	e, _, errb := testEnv(exampleVars)
	switch args[0] {
	case "run":
		f, scenario, _, err := parseRunFlags(args[1:])
		require.NoError(t, err, "%q", args)
		_, errs := prepareScenario(scenario, f.sets, f.vus, f.duration)
		assert.Empty(t, errs, "%q", args)
	case "serve":
		_, _, err := parseServe(e, args[1:])
		assert.NoError(t, err, "%q", args)
	case "check":
		code := runCmd(t.Context(), e, "check", append(slices.Clone(args[1:]), "--list", "--quiet"))
		assert.Equal(t, exitOK, code, "%q: %s", args, errb.String())
	case "report":
		require.Greater(t, len(args), 1)
		require.Contains(t, []string{"merge", "compare"}, args[1], "%q", args)
		code := runCmd(t.Context(), e, "report", args[1:])
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errb.String(), "no such file", "%q: the flags parsed, the records were looked for", args)
	default:
		t.Errorf("%q: not a stampede subcommand the test knows", args)
	}
}

// The Grafana dashboard is valid JSON and every metric it queries exists
// in the refserver's /metrics or in run --metrics-addr's.
func TestExampleDashboardMetricsExist(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "grafana", "stampede-dashboard.json"))
	require.NoError(t, err)
	var dash struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(b, &dash))
	known := familyNames(scrapeBody(t, refServer(t).URL+"/metrics"))
	live := simulator.NewLiveMetrics()
	live.Observe(simulator.Progress{Clients: 1, ErrorsByKind: map[string]int64{"dial": 1},
		Latency: []simulator.IntervalLatency{{Metric: threshold.MetricLag, Count: 1, Max: time.Millisecond}}})
	ts := httptest.NewServer(live.Handler())
	t.Cleanup(ts.Close)
	maps.Copy(known, familyNames(scrapeBody(t, ts.URL)))
	metric := regexp.MustCompile(`\b(?:stampede|process|go)_[a-z0-9_]+`)
	var queried int
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, name := range metric.FindAllString(tg.Expr, -1) {
				queried++
				assert.True(t, known[name], "the dashboard queries %s, which neither /metrics serves (%s)", name, tg.Expr)
			}
		}
	}
	assert.Greater(t, queried, 20)
}

func scrapeBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// familyNames are the names on a scrape's TYPE lines.
func familyNames(body string) map[string]bool {
	names := make(map[string]bool)
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) `).FindAllStringSubmatch(body, -1) {
		names[m[1]] = true
	}
	return names
}
