package cli

import (
	"context"

	"pricewatch/jobs"
)

func runConfig(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "config")
	config := fs.String("config", "", "job config file (default: the built-in jobs/default.yaml)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 2 && pos[0] == "check" { // `pricewatch config check FILE`
		*config, pos = pos[1], nil
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	cfg, err := jobs.LoadConfig(*config)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(cfg.YAML())
	return err
}
