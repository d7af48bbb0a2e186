import Foundation
import TestSupport
import Testing
@testable import LookupCore

/// Checks the shipped Genesys custom action against every response shape the service produces.
@Suite("Genesys Data Action file")
struct DataActionTests {
    static let actionURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("data-action/customer-lookup.json")

    let action: JSONValue
    let response: JSONValue
    let schema: [String: JSONValue]

    init() throws {
        action = try JSONValue.parse(String(contentsOf: Self.actionURL, encoding: .utf8))
        response = try #require(action["config"]?["response"])
        schema = try #require(action["contract"]?["output"]?["successSchema"]?["properties"]?.objectValue)
    }

    /// Every body the lookup can answer 200 with.
    static func responseShapes() async -> [String] {
        var bodies: [String] = []
        let outcomes: [CRMOutcome] = [.found(alice), .found(CRMRecord(id: "X")), .notFound] + CRMFailure.allCases.map { .failed($0) }
        for outcome in outcomes {
            let service = CustomerLookup(
                settings: LookupSettings(), caches: ColoCaches(capacityPerColo: 10), crm: ScriptedCRM(outcome),
                clocks: ManualClocks(), sink: CollectingSink()
            )
            bodies.append(await service.respond(to: Data(#"{"ani":"tel:+15550000000"}"#.utf8), coloHeader: nil).body)
            bodies.append(await service.respond(to: Data(#"{"ani":"tel:+15550000000"}"#.utf8), coloHeader: nil).body)
            bodies.append(await service.respond(to: Data(#"{"ani":"${input.ani}"}"#.utf8), coloHeader: nil).body)
        }
        return bodies
    }

    @Test("The request template escapes both inputs and uses silent notation")
    func requestTemplate() throws {
        let template = try #require(action["config"]?["request"]?["requestTemplate"]?.stringValue)
        #expect(template.contains("$esc.jsonString($!{input.ani})"))
        #expect(template.contains("$esc.jsonString($!{input.email})"))
        #expect(!template.contains("${input."))
    }

    @Test("The translation map and its defaults cover exactly the success schema")
    func coverage() throws {
        let map = try #require(response["translationMap"]?.objectValue)
        let defaults = try #require(response["translationMapDefaults"]?.objectValue)
        #expect(Set(map.keys) == Set(schema.keys))
        #expect(Set(defaults.keys) == Set(schema.keys))
        for (key, value) in defaults {
            let parsed = try JSONValue.parse(try #require(value.stringValue))
            #expect(parsed.matches(schemaType: schema[key]?["type"]?.stringValue), "default for \(key) is \(value)")
        }
    }

    @Test("Every response shape resolves every path and renders a schema-valid success template")
    func everyShape() async throws {
        let map = try #require(response["translationMap"]?.objectValue)
        let template = try #require(response["successTemplate"]?.stringValue)
        let bodies = await Self.responseShapes()
        #expect(bodies.count == 27)
        for body in bodies {
            let object = try JSONValue.parse(body)
            var rendered = template
            for (key, path) in map {
                let path = try #require(path.stringValue)
                #expect(path.hasPrefix("$."))
                let value = try #require(object[String(path.dropFirst(2))], "\(path) does not resolve in \(body)")
                #expect(value != .null, "\(path) is null in \(body)")
                rendered = rendered.replacingOccurrences(of: "${\(key)}", with: value.text)
            }
            let output = try #require(JSONValue.parse(rendered).objectValue, "\(rendered)")
            #expect(Set(output.keys) == Set(schema.keys))
            for (key, property) in schema {
                #expect(output[key]?.matches(schemaType: property["type"]?.stringValue) == true, "\(key) in \(body)")
            }
        }
    }
}
