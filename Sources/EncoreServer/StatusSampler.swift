import EncorePipeline
import Foundation
import ServiceLifecycle

/// Samples the pipelines into a ``StatusHistory`` every interval until graceful shutdown.
struct StatusSampler: Sendable {
    let history: StatusHistory
    let interval: Duration
    let statuses: @Sendable () -> [PipelineStatus]

    func run() async {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                history.record(statuses(), atWallMs: WallTime.nowMs())
                try await Task.sleep(for: interval)
            }
        }
    }
}

/// Wall-clock milliseconds since the Unix epoch (operational times only: ages, chart axes).
enum WallTime {
    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
