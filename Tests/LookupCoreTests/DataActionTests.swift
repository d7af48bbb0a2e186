import Foundation
import TestSupport
import Testing
@testable import LookupCore

/// Checks the shipped Genesys custom actions (one per credential type) against every response
/// shape the service produces.
@Suite("Genesys Data Action files")
struct DataActionTests {
    /// Basic Auth (Genesys adds the header from the integration's credential) and User Defined
    /// (the action sends the token from `${credentials.apiKey}`).
    static let files = ["customer-lookup-basic-auth.json", "customer-lookup-user-defined.json"]

    struct Action {
        let action: JSONValue
        let response: JSONValue
        let schema: [String: JSONValue]

        init(_ file: String) throws {
            let url = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("data-action/" + file)
            action = try JSONValue.parse(String(contentsOf: url, encoding: .utf8))
            response = try #require(action["config"]?["response"])
            schema = try #require(action["contract"]?["output"]?["successSchema"]?["properties"]?.objectValue)
        }
    }

    @Test("The two variants differ only in name and the Authorization header a User Defined credential needs")
    func variants() throws {
        let basic = try Action(Self.files[0]).action
        let token = try Action(Self.files[1]).action
        #expect(basic["config"]?["request"]?["headers"]?["Authorization"] == nil)
        #expect(token["config"]?["request"]?["headers"]?["Authorization"]?.stringValue == "Bearer ${credentials.apiKey}")
        #expect(basic["contract"] == token["contract"])
        #expect(basic["config"]?["response"] == token["config"]?["response"])
        for field in ["requestUrlTemplate", "requestType", "requestTemplate"] {
            #expect(basic["config"]?["request"]?[field] == token["config"]?["request"]?[field], "\(field)")
        }
        #expect(basic["config"]?["request"]?["headers"]?["Content-Type"] == token["config"]?["request"]?["headers"]?["Content-Type"])
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
        // Stale copies: served while revalidating, then for a failing CRM.
        let clocks = ManualClocks()
        let crm = ScriptedCRM(.found(alice))
        let service = CustomerLookup(settings: LookupSettings(), caches: ColoCaches(capacityPerColo: 10), crm: crm, clocks: clocks, sink: CollectingSink())
        let ani = Data(#"{"ani":"tel:+15550000000"}"#.utf8)
        _ = await service.respond(to: ani, coloHeader: nil)
        crm.answer(with: .failed(.serverError))
        clocks.advance(seconds: 301)
        bodies.append(await service.respond(to: ani, coloHeader: nil).body)
        clocks.advance(seconds: 60)
        bodies.append(await service.respond(to: ani, coloHeader: nil).body)
        return bodies
    }

    @Test("The request template escapes both inputs and uses silent notation", arguments: files)
    func requestTemplate(file: String) throws {
        let action = try Action(file).action
        let template = try #require(action["config"]?["request"]?["requestTemplate"]?.stringValue)
        #expect(template.contains("$esc.jsonString($!{input.ani})"))
        #expect(template.contains("$esc.jsonString($!{input.email})"))
        #expect(!template.contains("${input."))
    }

    @Test("The translation map and its defaults cover exactly the success schema", arguments: files)
    func coverage(file: String) throws {
        let (response, schema) = try { let a = try Action(file); return (a.response, a.schema) }()
        let map = try #require(response["translationMap"]?.objectValue)
        let defaults = try #require(response["translationMapDefaults"]?.objectValue)
        #expect(Set(map.keys) == Set(schema.keys))
        #expect(Set(defaults.keys) == Set(schema.keys))
        for (key, value) in defaults {
            let parsed = try JSONValue.parse(try #require(value.stringValue))
            #expect(parsed.matches(schemaType: schema[key]?["type"]?.stringValue), "default for \(key) is \(value)")
        }
    }

    @Test("Every response shape resolves every path and renders a schema-valid success template", arguments: files)
    func everyShape(file: String) async throws {
        let (response, schema) = try { let a = try Action(file); return (a.response, a.schema) }()
        let map = try #require(response["translationMap"]?.objectValue)
        let template = try #require(response["successTemplate"]?.stringValue)
        let bodies = await Self.responseShapes()
        #expect(bodies.count == 3 * (3 + CRMFailure.allCases.count) + 2)
        #expect(bodies.filter { $0.contains("\"stale\":true") }.count == 2)
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
