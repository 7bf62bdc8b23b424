package cli

import (
	"context"
	"fmt"

	"pricewatch/jobs"
)

func runRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run")
	config := fs.String("config", "", "job config file (default: the built-in jobs/default.yaml)")
	var brokers listFlag
	fs.Var(&brokers, "brokers", "Kafka bootstrap brokers H:P,... (default: source.brokers of the config)")
	topic := fs.String("topic", "", "input topic (default: source.topic)")
	group := fs.String("group", "", "consumer group (default: source.group)")
	instance := fs.String("instance-id", "", "static group member id (default: source.instance_id)")
	out := fs.String("out", "pricewatch-out", "output folder")
	exitAtEnd := fs.Bool("exit-at-end", false, "stop once caught up with the end offsets seen at start")
	listen := fs.String("metrics", "", "serve /metrics, /healthz and /readyz on this address (default: metrics.listen)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	cfg, err := jobs.LoadConfig(*config)
	if err != nil {
		return err
	}
	if len(brokers) > 0 {
		cfg.Source.Brokers = brokers
	}
	if *topic != "" {
		cfg.Source.Topic = *topic
	}
	if *group != "" {
		cfg.Source.Group = *group
	}
	if *listen != "" {
		cfg.Metrics.Listen = *listen
	}
	if *instance != "" {
		cfg.Source.InstanceID = *instance
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	st, err := jobs.Run(ctx, cfg, *out, jobs.RunOpts{ExitAtEnd: *exitAtEnd, Log: e.log})
	if st != nil {
		fmt.Fprintf(e.stdout, "run: %s\n", st)
	}
	return err
}
