/// The planted ground truth of notification opens: how likely a user is to open a push sent at
/// a given time.
///
/// ```
/// logit p = logit(b_u)                                   per-user base rate
///         + activityWeight · (2·a_u(t) − 1)               a ∈ [0, 1]: local rhythm at t, peak = 1
///         + recencyWeight · 2^(−Δ / recencyHalfLifeHours) Δ: hours since the last session start
///         − fatiguePerSendLastDay · n₂₄                   sends in (t − 24 h, t)
///         − fatiguePerSendLastWeek · n₇                   sends in (t − 7 d, t), the last day included
/// ```
/// With no session in the lookback (``recencyLookbackDays``) the recency term is 0. The base rate
/// b_u is the open probability of a user at a half-active hour, long idle and unfatigued; it is
/// drawn per user as `logistic(logit(meanBaseOpenRate) + baseRateLogitSpread · N(0, 1))`.
public struct OpenProbabilityModel: Sendable, Equatable {
    /// Log-odds added at the user's peak hour (and subtracted at a dead hour).
    public var activityWeight: Double
    /// Log-odds added right at a session start, halving every ``recencyHalfLifeHours``.
    public var recencyWeight: Double
    /// Half-life of the recency boost, in hours.
    public var recencyHalfLifeHours: Double
    /// How many days back the last session start is searched for.
    public var recencyLookbackDays: Int
    /// Log-odds removed per send in the last 24 h.
    public var fatiguePerSendLastDay: Double
    /// Log-odds removed per send in the last 7 days.
    public var fatiguePerSendLastWeek: Double
    /// Population mean of the per-user base open rate (on the logit scale).
    public var meanBaseOpenRate: Double
    /// Standard deviation of the per-user base rate on the logit scale.
    public var baseRateLogitSpread: Double
    /// Mean delay from send to open, in minutes (exponential, capped below the 2 h label window).
    public var meanOpenDelayMinutes: Double
    /// Mean delay from send to dismissal, in minutes (exponential, capped at 12 h).
    public var meanDismissDelayMinutes: Double

    /// The default planted model, with any coefficient overridden.
    public init(
        activityWeight: Double = 1.6, recencyWeight: Double = 1.0, recencyHalfLifeHours: Double = 3,
        recencyLookbackDays: Int = 2, fatiguePerSendLastDay: Double = 0.45, fatiguePerSendLastWeek: Double = 0.05,
        meanBaseOpenRate: Double = 0.18, baseRateLogitSpread: Double = 0.6, meanOpenDelayMinutes: Double = 12,
        meanDismissDelayMinutes: Double = 40
    ) {
        self.activityWeight = activityWeight
        self.recencyWeight = recencyWeight
        self.recencyHalfLifeHours = recencyHalfLifeHours
        self.recencyLookbackDays = recencyLookbackDays
        self.fatiguePerSendLastDay = fatiguePerSendLastDay
        self.fatiguePerSendLastWeek = fatiguePerSendLastWeek
        self.meanBaseOpenRate = meanBaseOpenRate
        self.baseRateLogitSpread = baseRateLogitSpread
        self.meanOpenDelayMinutes = meanOpenDelayMinutes
        self.meanDismissDelayMinutes = meanDismissDelayMinutes
    }

    /// The open probability for already computed inputs (the formula above).
    ///
    /// - Parameters:
    ///   - baseOpenRate: The user's base rate b_u, in (0, 1).
    ///   - activity: The user's rhythm at the send time, in [0, 1] (1 at the peak hour).
    ///   - hoursSinceLastSession: Hours since the last session start, `nil` if none in the lookback.
    ///   - sendsLastDay: Sends in the 24 h before the send.
    ///   - sendsLastWeek: Sends in the 7 days before the send (including the last 24 h).
    /// - Returns: p(open) in (0, 1).
    public func probability(
        baseOpenRate: Double, activity: Double, hoursSinceLastSession: Double?, sendsLastDay: Int, sendsLastWeek: Int
    ) -> Double {
        var logit = SimulationMath.logit(baseOpenRate)
        logit += activityWeight * (2 * activity - 1)
        if let hours = hoursSinceLastSession {
            logit += recencyWeight * SimulationMath.exp(-max(0, hours) / recencyHalfLifeHours * 0.693_147_180_559_945_3)
        }
        logit -= fatiguePerSendLastDay * Double(sendsLastDay)
        logit -= fatiguePerSendLastWeek * Double(sendsLastWeek)
        return SimulationMath.sigmoid(logit)
    }
}
