import Foundation

/// A one-line progress bar on stderr: redrawn in place on a terminal (at most ~10 times a second),
/// a line per 10 % otherwise, so logs stay short.
final class ProgressBar {
    private let title: String
    private let total: Int
    private let interactive = isatty(STDERR_FILENO) == 1
    private let start = DispatchTime.now()
    private var lastDraw: UInt64 = 0
    private var lastDecile = -1

    init(_ title: String, total: Int) {
        self.title = title
        self.total = max(total, 1)
    }

    func update(_ done: Int) {
        let fraction = min(1, Double(done) / Double(total))
        let now = DispatchTime.now().uptimeNanoseconds
        let elapsed = Double(now - start.uptimeNanoseconds) / 1e9
        if interactive {
            guard now - lastDraw > 100_000_000 || done >= total else { return }
            lastDraw = now
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            write(String(format: "\r%@ [%@] %5.1f%% %d/%d %.1fs", title, bar, fraction * 100, done, total, elapsed))
        } else {
            let decile = Int(fraction * 10)
            guard decile > lastDecile else { return }
            lastDecile = decile
            write(String(format: "%@: %3d%% (%d/%d, %.1fs)\n", title, decile * 10, done, total, elapsed))
        }
    }

    func finish() {
        update(total)
        if interactive { write("\n") }
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
