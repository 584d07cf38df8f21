package apparmor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Validator checks a policy without touching the kernel: apparmor_parser
// parses and compiles it against a feature ABI (-Q skips the load, -K the
// cache), so it runs unprivileged, on a read-only root filesystem, and on
// kernels without AppArmor.
type Validator struct {
	// Parser is the apparmor_parser path; "" looks it up on PATH.
	Parser string
	// Features is the feature ABI to compile against, a file or a
	// securityfs features directory; "" means DefaultFeatures.
	Features string
	// Includes is the include tree #include <...> resolves in; "" means
	// DefaultIncludes.
	Includes string
	// Timeout bounds each parser run; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Validate parses policy parse-only and checks it declares exactly the
// profile name (the AppArmorProfile's metadata.name, which pods refer to),
// with any hats and child profiles of it. A policy that is not acceptable
// gives an *InvalidError; any other error (parser or features missing,
// timeout) means the check could not run.
func (v Validator) Validate(ctx context.Context, policy, name string) error {
	if err := checkText(policy); err != nil {
		return err
	}
	parser, err := findParser(v.Parser)
	if err != nil {
		return err
	}
	features := orDefault(v.Features, DefaultFeatures)
	includes := orDefault(v.Includes, DefaultIncludes)
	// The parser reports a missing features file or include tree the way
	// it reports a broken policy; check them first so the user is never
	// blamed for our environment.
	for _, p := range []string{features, includes} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("apparmor validation: %w", err)
		}
	}
	args := func(extra ...string) []string {
		return slices.Concat(baseArgs(includes), []string{"--features-file=" + features}, extra)
	}
	// --names stops after parsing: it does not compile, so a broken
	// pattern passes it. The second run compiles.
	names, err := runParser(ctx, parser, args("--names"), policy, includes, v.Timeout)
	if err != nil {
		return asInvalid(err)
	}
	if err := checkNames(names, name); err != nil {
		return err
	}
	_, err = runParser(ctx, parser, args("--skip-kernel-load", "--skip-cache"), policy, includes, v.Timeout)
	return asInvalid(err)
}

// checkText refuses what must never reach the parser.
func checkText(policy string) error {
	if len(policy) > MaxPolicyBytes {
		return invalid(ReasonTooLarge, fmt.Sprintf("the policy has %d bytes, more than the %d allowed", len(policy), MaxPolicyBytes))
	}
	if strings.IndexByte(policy, 0) >= 0 {
		return invalid(ReasonSyntaxError, "the policy contains a NUL byte")
	}
	return checkIncludes(policy)
}

// baseArgs are the arguments every parser run starts with. The host's
// parser.conf is ignored so that every node and the manager parse alike,
// and the include tree is both the search path and the base directory
// (which replaces the built-in /etc/apparmor.d and is the parser's working
// directory).
func baseArgs(includes string) []string {
	return []string{"--config-file=/dev/null", "--base=" + includes, "--Include=" + includes}
}

// asInvalid turns a parser's refusal into an *InvalidError and leaves
// every other error as it is.
func asInvalid(err error) error {
	var failed *parserFailed
	if !errors.As(err, &failed) {
		return err
	}
	msg := failed.stderr
	if msg == "" {
		msg = fmt.Sprintf("apparmor_parser rejected the policy (exit status %d) without a message", failed.status)
	}
	return invalid(ReasonSyntaxError, msg)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
