import EncoreCore

extension SimulatedCatalogue {
    /// The first twelve genre names; further genres are called `genre-13`, ….
    static let standardGenreNames = [
        "pop", "rock", "hip-hop", "electronic", "jazz", "classical", "r&b", "country", "latin", "metal", "folk",
        "indie",
    ]
    private static let adjectives = [
        "Blue", "Silent", "Golden", "Electric", "Midnight", "Broken", "Wild", "Paper", "Crystal", "Velvet", "Neon",
        "Hollow", "Distant", "Burning", "Quiet", "Restless", "Northern", "Silver", "Lonely", "Sudden",
    ]
    private static let nouns = [
        "River", "Heart", "City", "Dream", "Summer", "Light", "Road", "Fire", "Ocean", "Garden", "Signal", "Shadow",
        "Mirror", "Winter", "Engine", "Echo", "Harbor", "Storm", "Window", "Horizon",
    ]

    /// Generates the catalogue of `configuration` from its seed (stream `catalogue`).
    static func generate(configuration: SimulationConfiguration) -> SimulatedCatalogue {
        var generator = SeededGenerator(seed: configuration.seed, stream: SimulationStream.catalogue)
        let dimension = configuration.embeddingDimension
        let genreNames = (0..<configuration.genres).map { index in
            index < standardGenreNames.count ? standardGenreNames[index] : "genre-\(index + 1)"
        }
        var genreCentroids: [Float] = []
        genreCentroids.reserveCapacity(configuration.genres * dimension)
        for _ in 0..<configuration.genres {
            var centroid = SimulationMath.gaussianVector(dimension: dimension, scale: 1, using: &generator)
            SimulationMath.normalize(&centroid)
            genreCentroids += centroid
        }
        func centroid(_ genre: Int) -> ArraySlice<Float> { genreCentroids[genre * dimension..<(genre + 1) * dimension] }

        // Artists: a primary genre (every genre used at least once), sometimes a second one.
        var artistNames: [String] = []
        var artistGenre: [Int32] = []
        var artistSecondGenre: [Int32?] = []
        var artistVectors: [[Float]] = []
        var artistAlbums: [[String]] = []
        for artist in 0..<configuration.artists {
            let genre = artist < configuration.genres ? artist : generator.nextInt(below: configuration.genres)
            let second: Int? =
                generator.nextBool(probability: 0.3) ? generator.nextInt(below: configuration.genres) : nil
            var vector = SimulationMath.gaussianVector(dimension: dimension, scale: 0.55, using: &generator)
            for (offset, value) in centroid(genre).enumerated() { vector[offset] += value }
            if let second {
                for (offset, value) in centroid(second).enumerated() { vector[offset] += 0.4 * value }
            }
            SimulationMath.normalize(&vector)
            let name: String
            if generator.nextBool(probability: 0.5) {
                name = "The \(pick(adjectives, &generator)) \(pick(nouns, &generator))s"
            } else {
                name = "\(pick(adjectives, &generator)) \(pick(nouns, &generator)) \(artist)"
            }
            let albumCount = 1 + generator.nextInt(below: 4)
            let albums = (0..<albumCount).map { _ in "\(pick(adjectives, &generator)) \(pick(nouns, &generator))" }
            artistNames.append(name)
            artistGenre.append(Int32(genre))
            artistSecondGenre.append(second.map { Int32($0) })
            artistVectors.append(vector)
            artistAlbums.append(albums)
        }

        // Popularity: Zipf over a random permutation of ranks (Fisher–Yates with our generator).
        var ranks = Array(0..<configuration.tracks)
        if ranks.count > 1 {
            for index in stride(from: ranks.count - 1, to: 0, by: -1) {
                ranks.swapAt(index, generator.nextInt(below: index + 1))
            }
        }
        let weights = ranks.map { 1 / Double($0 + 1) }
        let total = weights.reduce(0, +)
        let popularity = weights.map { $0 / total }

        // Tracks: the first `artists` tracks go one to each artist, the rest to random artists.
        var metadata: [TrackMetadata] = []
        metadata.reserveCapacity(configuration.tracks)
        var trackVectors: [Float] = []
        trackVectors.reserveCapacity(configuration.tracks * dimension)
        var trackArtist: [Int32] = []
        var trackGenre: [Int32] = []
        for track in 0..<configuration.tracks {
            let artist = track < configuration.artists ? track : generator.nextInt(below: configuration.artists)
            var vector = SimulationMath.gaussianVector(dimension: dimension, scale: 0.4, using: &generator)
            for (offset, value) in artistVectors[artist].enumerated() { vector[offset] += value }
            SimulationMath.normalize(&vector)
            trackVectors += vector
            // Duration: 2–7 min, triangular-ish around 4.5 min (mean of two uniforms).
            let spread = (generator.nextUnit() + generator.nextUnit()) / 2
            let durationMs = 120_000 + Int64(spread * 300_000)
            var title = "\(pick(adjectives, &generator)) \(pick(nouns, &generator))"
            if generator.nextBool(probability: 0.1) { title += " (Remix)" }
            let albums = artistAlbums[artist]
            let album = albums[generator.nextInt(below: albums.count)]
            var genres = [genreNames[Int(artistGenre[artist])]]
            if let second = artistSecondGenre[artist], second != artistGenre[artist] {
                genres.append(genreNames[Int(second)])
            }
            metadata.append(
                TrackMetadata(
                    trackID: trackID(track), title: title, artist: artistNames[artist], album: album, genres: genres,
                    durationMs: durationMs
                )
            )
            trackArtist.append(Int32(artist))
            trackGenre.append(artistGenre[artist])
        }
        return SimulatedCatalogue(
            tracks: metadata, genreNames: genreNames, artistNames: artistNames, embeddingDimension: dimension,
            genreCentroids: genreCentroids, trackVectors: trackVectors, popularity: popularity,
            trackArtist: trackArtist, trackGenre: trackGenre
        )
    }

    private static func pick(_ words: [String], _ generator: inout SeededGenerator) -> String {
        words[generator.nextInt(below: words.count)]
    }
}
