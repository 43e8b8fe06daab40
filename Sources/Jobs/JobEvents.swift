import Synchronization

/// In-process notifications from committed queue changes to whoever runs the workers, delivered by
/// after-commit hooks (so nothing is announced that did not commit).
///
/// - `jobReady(queue)`: a job of `queue` became `waiting` (enqueued, due, retried at once, put back).
/// - `jobDelayed(due)`: a job became `delayed` until `due` (ms), so a timer may need to run sooner.
/// - `cancelRequested(id)`: `cancel` reached an active job; its handler should stop.
final class JobEvents: Sendable {
    struct Observer: Sendable {
        var jobReady: @Sendable (String) -> Void
        var jobDelayed: @Sendable (Int64) -> Void
        var cancelRequested: @Sendable (String) -> Void
    }

    private let observers = Mutex<[UInt64: Observer]>([:])
    private let nextID = Atomic<UInt64>(0)

    /// Registers `observer`; the returned number removes it.
    func add(_ observer: Observer) -> UInt64 {
        let id = nextID.add(1, ordering: .relaxed).newValue
        observers.withLock { $0[id] = observer }
        return id
    }

    func remove(_ id: UInt64) {
        _ = observers.withLock { $0.removeValue(forKey: id) }
    }

    func jobReady(_ queue: String) {
        for observer in observers.withLock({ Array($0.values) }) { observer.jobReady(queue) }
    }

    func jobDelayed(_ due: Int64) {
        for observer in observers.withLock({ Array($0.values) }) { observer.jobDelayed(due) }
    }

    func cancelRequested(_ id: String) {
        for observer in observers.withLock({ Array($0.values) }) { observer.cancelRequested(id) }
    }
}
