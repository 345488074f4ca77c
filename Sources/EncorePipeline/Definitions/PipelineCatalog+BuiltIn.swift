extension PipelineCatalog {
    /// The built-in pipeline definitions, by file name: the exact text of the repository's
    /// `pipelines/music.yaml` and `pipelines/notifications.yaml`.
    ///
    /// Used when no pipelines directory was given and there is no `pipelines/` in the working
    /// directory, so that the binary works from anywhere. A test checks that this text equals the
    /// files, so edit the YAML files and copy them here.
    public static let builtInFiles: [(name: String, text: String)] = [
        ("music.yaml", builtInMusic),
        ("notifications.yaml", builtInNotifications),
    ]

    /// `pipelines/music.yaml`.
    static let builtInMusic = #"""
        # The music pipeline: listening events in, recommendations out.
        # The RNN user model serves once a generation exists (trained by the retrain scheduler below, or
        # `encore train --model rnn --registry …` and `encore models promote`); until then the popularity
        # baseline answers. The baseline keeps running for comparison either way.
        name: music
        description: Recommendations from listening events.
        consumer_group: encore-music
        inputs: [encore.listens, encore.tracks]
        batch:
          max_records: 500
          max_wait_ms: 100
        stages:
          - type: rnn
            top_k: 20               # tracks per recommendation
            debounce_seconds: 600   # at most one recommendation per user per 10 minutes of event time
            exclude_recent: 5       # leave out the user's last 5 plays
            wave_size: 256          # users per batched recurrent step
            scoring_threads: 2      # threads scoring due recommendations (results do not depend on it)
            retrieval: index         # the generation's retrieval index from 100,000 tracks (exact below); or: exact
            recall_sample_every: 1000  # one indexed recommendation in 1000 also scored exactly (live recall@20)
          - type: popularity_baseline
            top_k: 20
            debounce_seconds: 600
            exclude_recent: 20      # never recommend the user's last 20 plays
            half_life_hours: 72     # weight of a play halves every 3 days of event time
        retrain:
          every_minutes: 60          # at most an hour between cycles
          every_interactions: 100000 # or after this many new listens
          min_interactions: 5000     # no cycle before the store holds this many listens
          graph_model: lightgcn      # lightgcn embeds the items for the RNN; cooccurrence, or gte/dccf/sheaf/peco
                                     # (retrained and promoted on their own holdout recall; the RNN then uses co-occurrence)
          graph_epochs: 30
          rnn_epochs: 3
          holdout_fraction: 0.1      # the latest 10% of the time span judges candidate vs serving
          promote_margin: 0.0        # promote unless the candidate's hr@20 is lower than the serving one's
          threads: 1                 # training threads; ingestion keeps the other core

        """#

    /// `pipelines/notifications.yaml`.
    static let builtInNotifications = #"""
        # The notification pipeline: requests, feedback and listening activity in; send / delay / suppress decisions out.
        # C-3PO (issue 5) decides; it loads the newest promoted `c3po` predictor of the store's model registry
        # (train one with `encore train --model c3po --data sim:SEED --registry STORE`); without one it falls back
        # to the rule policy and says so in each decision's reason. `rule_baseline` stays available as a stage type
        # (with the same settings) for comparisons; a pipeline lists one of the two.
        # Listens are read only for the users' activity rhythm; the music pipeline stores them.
        name: notifications
        description: Push-notification decisions.
        consumer_group: encore-notifications
        inputs: [encore.notification-events, encore.notification-requests, encore.listens]
        batch:
          max_records: 500
          max_wait_ms: 100
        stages:
          - type: c3po
            model: c3po                 # registry name of the predictor
            quiet_hours: {start_hour: 22, end_hour: 8}   # local time (the users' offset when known, else utc_offset_hours)
            utc_offset_hours: 0
            daily_cap: 3              # sends in any 24 hours
            min_gap_minutes: 60
            max_delay_hours: 24       # later than this (or after expiry): suppress
            suppress_threshold: 0.04  # suppress when the best eligible hour's p_open is below this
            send_now_tolerance: 0.1   # send now when p_open now ≥ 90% of the best eligible hour's

        """#
}
