extension ServiceConfiguration {
    /// The built-in configuration file: the exact text of the repository's `config/encore.yaml`.
    ///
    /// Used when no configuration file was given and there is no `config/encore.yaml` in the
    /// working directory, so that the binary behaves the same from anywhere. A test checks that
    /// this text equals the file, so edit the YAML file and copy it here.
    public static let builtInFile = #"""
        # Encore service configuration. ENCORE_* environment variables and command-line flags override it
        # (see `encore run --help`).
        kafka:
          # host:port[,host:port…] of any Kafka cluster. Empty: start librdkafka's mock cluster in process
          # (a real Kafka-protocol server on 127.0.0.1) — the embedded default.
          bootstrap_servers: ""
          client_id: encore
          topic_prefix: ""
          partitions: 16            # for topics Encore creates
          replication_factor: 1
          create_topics: true
          properties: {}            # any librdkafka property, e.g. security.protocol: SASL_SSL
        embedded:
          brokers: 1
        store:
          path: encore.sqlite       # one SQLite file per instance (":memory:" for a throwaway store)
        pipelines:
          directory: pipelines
          enabled: []               # empty: every definition in the directory
        instance_id: ""             # set per instance for static group membership
        logging:
          level: info               # trace, debug, info, notice, warning, error, critical
          format: text              # text or json
        http:
          port: 8080                # health, /metrics, recommendations and the status page; 0 disables
          host: 127.0.0.1           # interface to bind
          ready_max_lag: 10000      # /health/ready fails while the consumer lag is above this many records

        """#
}
