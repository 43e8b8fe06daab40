// A test fixture for JobsTests' kill -9 test.
//
//   JobsCrashWorker DIR run COUNT   enqueue jobs crash-0 … crash-(COUNT-1) (in bursts of 50) into queue
//                                   "crash" while 16 worker slots run them, until SIGKILLed
//   JobsCrashWorker DIR finish      open the same directory (recovering what the killed run left
//                                   active), work until nothing is waiting, delayed or active, exit 0
//
// Prints, one write(2) per line so nothing is lost to a buffer at the kill:
//   "enqueued ID"   after the enqueue's commit returned (acknowledged)
//   "started ID"    when a handler begins running the job
//   "completed ID"  after the completion's commit returned
// The handler sleeps 1–10 ms and, in the completion's own transaction, adds 1 to the job's entry in
// table "crash.effects": a job completed once has exactly one effect, however often it was run.
import Foundation
import JSON
import Jobs
import Storage

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let arguments = CommandLine.arguments
guard arguments.count >= 3, ["run", "finish"].contains(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: JobsCrashWorker DIR run COUNT | JobsCrashWorker DIR finish\n".utf8))
    exit(2)
}
let count = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 0

struct CrashHandler: JobHandler {
    let type = "crash_test"
    let effects: Table<String, UInt64>

    func run(_ job: RunningJob) async throws -> JSONValue {
        say("started \(job.record.id)")
        try await Task.sleep(for: .milliseconds(Int.random(in: 1...10)))
        let id = job.record.id, effects = effects
        job.alsoWriteOnCompletion { txn in
            try effects.put((try effects.get(id, in: txn) ?? 0) + 1, for: id, in: txn)
        }
        return .object(["ok": .bool(true)])
    }
}

do {
    let environment = try Environment.open(path: arguments[1])
    let effects: Table<String, UInt64> = try environment.table("crash.effects")
    let queue = try JobQueue(environment: environment)
    var settings = JobWorkers.Configuration()
    settings.concurrency = ["crash": 16]
    settings.maintenanceIntervalMilliseconds = 50
    let workers = try JobWorkers(queue: queue, handlers: [CrashHandler(effects: effects)], configuration: settings) { record in
        if record.state == .completed { say("completed \(record.id)") }
    }
    let working = Task { try await workers.run() }
    if arguments[2] == "run" {
        let options = JobOptions(queue: "crash", attempts: 5, backoff: .fixed(milliseconds: 10))
        for burst in stride(from: 0, to: count, by: 50) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in burst..<min(count, burst + 50) {
                    group.addTask {
                        let record = try await queue.enqueue(JobSpec(id: "crash-\(n)", type: "crash_test", organizationID: "org", options: options))
                        say("enqueued \(record.id)")
                    }
                }
                try await group.waitForAll()
            }
        }
        try await working.value  // until killed
    } else {
        while true {
            let counts = try queue.counts().values.reduce(0) { $0 + ($1[.waiting] ?? 0) + ($1[.delayed] ?? 0) + ($1[.active] ?? 0) }
            if counts == 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        workers.stop()
        try await working.value
    }
} catch {
    FileHandle.standardError.write(Data("JobsCrashWorker: \(error)\n".utf8))
    exit(1)
}
