//go:build linux

package metrics

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// userHZ is the unit of the CPU times in /proc/self/stat. The kernel fixes
// USER_HZ at 100 for user space; the official client assumes the same.
const userHZ = 100

func (c *processCollector) collect(dst []family) []family {
	if st, err := readProcStat(filepath.Join(c.procDir, "self", "stat")); err == nil {
		dst = append(dst,
			c.cpu.single((st.utime+st.stime)/userHZ),
			c.rss.single(st.rss*float64(os.Getpagesize())),
			c.vsize.single(st.vsize))
	}
	if n, err := countDir(filepath.Join(c.procDir, "self", "fd")); err == nil {
		dst = append(dst, c.openFDs.single(float64(n)))
	}
	if n, ok := maxFDs(); ok {
		dst = append(dst, c.maxFDs.single(n))
	}
	if c.start > 0 {
		dst = append(dst, c.startTime.single(c.start))
	}
	return dst
}

// readStartTime adds the process start, in ticks since boot, to the boot time.
func (c *processCollector) readStartTime() float64 {
	st, err := readProcStat(filepath.Join(c.procDir, "self", "stat"))
	if err != nil {
		return 0
	}
	boot, err := readBootTime(filepath.Join(c.procDir, "stat"))
	if err != nil {
		return 0
	}
	return boot + st.starttime/userHZ
}

// procStat holds the fields of /proc/[pid]/stat the collector uses; see proc(5).
type procStat struct {
	utime, stime, starttime, vsize, rss float64
}

func readProcStat(path string) (procStat, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(string(b))
}

// parseProcStat parses the fields after the command name, which is in
// parentheses and may itself contain spaces and parentheses.
func parseProcStat(s string) (procStat, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, errors.New("metrics: no command name in stat")
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 of proc(5), "state"
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("metrics: stat has %d fields after the name, want 22", len(f))
	}
	var st procStat
	for _, x := range []struct {
		dst   *float64
		field int // 1-based, as numbered in proc(5)
	}{{&st.utime, 14}, {&st.stime, 15}, {&st.starttime, 22}, {&st.vsize, 23}, {&st.rss, 24}} {
		v, err := strconv.ParseInt(f[x.field-3], 10, 64)
		if err != nil {
			return procStat{}, fmt.Errorf("metrics: stat field %d: %w", x.field, err)
		}
		*x.dst = float64(v)
	}
	return st, nil
}

// readBootTime returns the btime line of /proc/stat: boot time in Unix seconds.
func readBootTime(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "btime "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("metrics: no btime in " + path)
}

// countDir counts the entries of dir in batches, so a process with many
// descriptors does not cost a slice of all their names per scrape.
func countDir(dir string) (int, error) {
	f, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	for {
		names, err := f.Readdirnames(1024)
		n += len(names)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}
