import EncoreCore

extension UserProfile {
    static let devices = ["mobile", "desktop", "web", "speaker", "car"]
    static let sources = ["playlist", "album", "artist", "search", "radio", "other"]

    /// Draws the hidden profile of user `index` (stream `userProfile`, so users are independent).
    static func generate(
        index: Int, configuration: SimulationConfiguration, catalogue: SimulatedCatalogue
    ) -> UserProfile {
        var generator = SeededGenerator(seed: configuration.seed, stream: SimulationStream.userProfile, UInt64(index))
        let offsets = configuration.utcOffsetHours
        let utcOffset = offsets.lowerBound + generator.nextInt(below: offsets.count)

        // Rhythm: circular Gaussian bumps over a low night floor, shifted by a chronotype.
        let chronotype = generator.nextDouble(in: -1.5, 1.5)
        let commute = generator.nextDouble(in: 0.4, 1.0)
        let lunch = generator.nextDouble(in: 0.1, 0.4)
        let evening = generator.nextDouble(in: 0.6, 1.0)
        let weekendMorning = generator.nextDouble(in: 0.4, 0.9)
        let weekendEvening = generator.nextDouble(in: 0.6, 1.0)
        let weekday = normalisedRhythm { hour in
            bump(hour, centre: 8 + chronotype, width: 1.0) * commute + bump(hour, centre: 12.5 + chronotype, width: 0.8)
                * lunch + bump(hour, centre: 20 + chronotype, width: 1.8) * evening
                + (daytime(hour, chronotype) ? 0.06 : 0.01)
        }
        let weekend = normalisedRhythm { hour in
            bump(hour, centre: 11.5 + chronotype, width: 1.8) * weekendMorning
                + bump(hour, centre: 21 + chronotype, width: 2.2) * weekendEvening
                + (daytime(hour, chronotype) ? 0.08 : 0.01)
        }
        let activityLevel = SimulationMath.exp(0.45 * generator.nextGaussian() - 0.1)
        let sessionsPerWeekday = configuration.meanSessionsPerDay * activityLevel
        let sessionsPerWeekendDay = sessionsPerWeekday * generator.nextDouble(in: 1.0, 1.5)

        let open = configuration.openModel
        let baseOpenRate = SimulationMath.sigmoid(
            SimulationMath.logit(open.meanBaseOpenRate) + open.baseRateLogitSpread * generator.nextGaussian()
        )

        // Taste: a mixture of 1–3 distinct genres plus a personal offset.
        let genreCount = min(1 + generator.nextInt(below: 3), configuration.genres)
        var genres: [Int] = []
        while genres.count < genreCount {
            let genre = generator.nextInt(below: configuration.genres)
            if !genres.contains(genre) { genres.append(genre) }
        }
        var weights = genres.map { _ in generator.nextDouble(in: 0.3, 1.0) }
        let weightSum = weights.reduce(0, +)
        weights = weights.map { $0 / weightSum }
        let dimension = configuration.embeddingDimension
        var taste = SimulationMath.gaussianVector(dimension: dimension, scale: 0.25, using: &generator)
        for (genre, weight) in zip(genres, weights) {
            let centroid = catalogue.centroid(ofGenre: genre)
            for offset in 0..<dimension { taste[offset] += Float(weight) * centroid[offset] }
        }
        SimulationMath.normalize(&taste)

        // Drift towards a random genre (component orthogonal to the taste), or a random direction.
        var direction = catalogue.centroid(ofGenre: generator.nextInt(below: configuration.genres))
        let noise = SimulationMath.gaussianVector(dimension: dimension, scale: 0.5, using: &generator)
        for offset in 0..<dimension { direction[offset] += noise[offset] }
        var projection: Float = 0
        for offset in 0..<dimension { projection += direction[offset] * taste[offset] }
        for offset in 0..<dimension { direction[offset] -= projection * taste[offset] }
        SimulationMath.normalize(&direction)
        let driftRate = configuration.tasteDriftRadiansPerDay * generator.nextDouble(in: 0.5, 1.5)

        let device =
            devices[generator.nextBool(probability: 0.6) ? 0 : generator.nextInt(below: devices.count)]
        let source = sources[generator.nextInt(below: sources.count - 1)]
        return UserProfile(
            userID: userID(index), index: index, utcOffsetHours: utcOffset, weekdayRhythm: weekday,
            weekendRhythm: weekend, sessionsPerWeekday: sessionsPerWeekday,
            sessionsPerWeekendDay: sessionsPerWeekendDay,
            baseOpenRate: baseOpenRate, tasteGenres: genres, tasteGenreWeights: weights, initialTaste: taste,
            driftDirection: direction, driftRadiansPerDay: driftRate, driftOriginMs: configuration.startMs,
            preferredDevice: device, preferredSource: source
        )
    }

    /// exp(−d² / 2w²) with d the circular distance in hours between `hour + 0.5` and `centre`.
    private static func bump(_ hour: Int, centre: Double, width: Double) -> Double {
        var distance = (Double(hour) + 0.5 - centre).truncatingRemainder(dividingBy: 24)
        if distance > 12 { distance -= 24 }
        if distance < -12 { distance += 24 }
        return SimulationMath.exp(-distance * distance / (2 * width * width))
    }

    private static func daytime(_ hour: Int, _ chronotype: Double) -> Bool {
        let shifted = Double(hour) - chronotype
        return shifted >= 7 && shifted < 23
    }

    /// The 24 weights, sharpened (`w^rhythmSharpness`) so that peaks stand out, scaled to peak 1.
    private static func normalisedRhythm(_ weight: (Int) -> Double) -> [Double] {
        let raw = (0..<24).map { SimulationMath.exp(rhythmSharpness * SimulationMath.log(weight($0))) }
        let peak = raw.max() ?? 1
        return raw.map { $0 / peak }
    }

    /// Exponent applied to the raw rhythm: > 1 concentrates sessions in the peak hours.
    private static let rhythmSharpness = 1.5
}
