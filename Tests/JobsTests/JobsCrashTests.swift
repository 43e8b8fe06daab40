import Foundation
import Testing
@testable import Jobs
import Storage

/// A real `kill -9` of a process enqueueing and working jobs, then a new process on the same directory.
@Suite("Jobs across SIGKILL")
struct JobsCrashTests {
    @Test("every acknowledged job ends completed, none lost, none completed twice; re-runs only of interrupted handlers")
    func killAndRestart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campus-jobs-crash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let first = try run(["run", "20000"], in: directory, killAfterCompletions: 400)
        #expect(first.completed.count >= 400)
        #expect(first.enqueued.count > first.completed.count, "jobs were still waiting at the kill")
        let second = try run(["finish"], in: directory, killAfterCompletions: nil)

        let environment = try Environment.open(path: directory)
        var configuration = JobQueue.Configuration()
        configuration.recoverActiveJobsAtOpen = false
        let queue = try JobQueue(environment: environment, configuration: configuration)
        let effects: Table<String, UInt64> = try environment.table("crash.effects")

        var lost = 0, notCompleted = 0, doubleEffects = 0
        for id in first.enqueued {
            guard let record = try queue.get(id) else {
                lost += 1
                continue
            }
            if record.state != .completed { notCompleted += 1 }
            if try environment.read({ try effects.get(id, in: $0) }) != 1 { doubleEffects += 1 }
        }
        #expect(lost == 0, "\(lost) acknowledged jobs lost")
        #expect(notCompleted == 0, "\(notCompleted) acknowledged jobs did not complete")
        #expect(doubleEffects == 0, "\(doubleEffects) jobs whose completion effect is not exactly one")
        #expect(first.completed.isDisjoint(with: second.completed), "a job completed in both processes")
        #expect(first.completed.isDisjoint(with: second.started), "a job completed before the kill ran again")
        // Re-runs: handlers the kill interrupted (started, never acknowledged completed) ran again.
        let interrupted = first.started.subtracting(first.completed)
        let rerun = interrupted.intersection(second.started)
        #expect(second.started.intersection(first.started) == rerun)
        for id in rerun {
            let record = try queue.get(id)
            #expect((record?.stalledCount ?? 0) >= 1 && (record?.attemptsMade ?? 0) >= 2, "\(id) re-ran without its stall counted")
        }
        print("kill -9: \(first.enqueued.count) acknowledged, \(first.completed.count) completed before the kill, "
              + "\(interrupted.count) handlers interrupted, \(rerun.count) re-run after the restart, \(second.completed.count) completed after")
    }

    struct Transcript {
        var enqueued = Set<String>()
        var started = Set<String>()
        var completed = Set<String>()
    }

    /// Runs JobsCrashWorker; with `killAfterCompletions` it is SIGKILLed once that many completions
    /// were reported, else it must exit 0 by itself.
    private func run(_ arguments: [String], in directory: String, killAfterCompletions: Int?) throws -> Transcript {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("JobsCrashWorker")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else { throw TestFailure("JobsCrashWorker not built at \(executable.path)") }
        let process = Process()
        process.executableURL = executable
        process.arguments = [directory] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var transcript = Transcript()
        var pending = ""
        let handle = pipe.fileHandleForReading
        var killed = false
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending += String(decoding: chunk, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[..<newline]
                pending = String(pending[pending.index(after: newline)...])
                let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                switch parts[0] {
                case "enqueued": transcript.enqueued.insert(parts[1])
                case "started": transcript.started.insert(parts[1])
                case "completed": transcript.completed.insert(parts[1])
                default: break
                }
                if let limit = killAfterCompletions, !killed, transcript.completed.count >= limit {
                    // Lines already in the pipe are still read: they were written before the kill.
                    kill(process.processIdentifier, SIGKILL)
                    killed = true
                }
            }
        }
        process.waitUntilExit()
        if killAfterCompletions != nil {
            #expect(process.terminationReason == .uncaughtSignal)
        } else {
            #expect(process.terminationStatus == 0)
        }
        return transcript
    }
}
