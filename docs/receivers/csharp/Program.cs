// A DataChonk webhook receiver with ASP.NET Core (minimal API, .NET 8).
//   DATACHONK_WEBHOOK_SECRET=whsec_… dotnet run
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

var secret = Environment.GetEnvironmentVariable("DATACHONK_WEBHOOK_SECRET")
    ?? throw new InvalidOperationException("set DATACHONK_WEBHOOK_SECRET to the webhook signing secret");
var key = Encoding.UTF8.GetBytes(secret);
var handled = new ConcurrentDictionary<string, bool>(); // event ids already handled: keep them in your database

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls($"http://0.0.0.0:{Environment.GetEnvironmentVariable("PORT") ?? "3000"}");
var app = builder.Build();

app.MapPost("/webhooks/datachonk", async (HttpRequest request, ILogger<Program> log) =>
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    var body = buffer.ToArray(); // the raw bytes, as signed: no [FromBody] model before verifying

    // Lowercase hex, as DataChonk writes it: Convert.ToHexString alone writes uppercase.
    var expected = Encoding.ASCII.GetBytes("sha256=" + Convert.ToHexString(HMACSHA256.HashData(key, body)).ToLowerInvariant());
    var given = Encoding.UTF8.GetBytes(request.Headers["X-DataChonk-Signature"].ToString());
    // FixedTimeEquals compares bytes in constant time, and is false (never throws) for another length.
    if (!CryptographicOperations.FixedTimeEquals(expected, given))
        return Results.Json(new { error = "invalid signature" }, statusCode: 401);

    string id, type;
    try
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var idProperty)
            || idProperty.ValueKind != JsonValueKind.String)
            return Results.Json(new { error = "not a DataChonk event" }, statusCode: 400);
        id = idProperty.GetString()!;
        type = root.TryGetProperty("event", out var eventProperty) ? eventProperty.ToString() : "?";
    }
    catch (JsonException)
    {
        return Results.Json(new { error = "the body is not JSON" }, statusCode: 400);
    }

    // DataChonk retries a delivery that failed: the same event may come twice. Handle it once.
    if (handled.TryAdd(id, true))
        // Your code goes here, by type; ignore the types you do not know. Slow work: a background queue.
        log.LogInformation("{Type} {Id}: verified, handled", type, id);
    else
        log.LogInformation("{Type} {Id}: a repeat, already handled", type, id);
    return Results.Json(new { received = true });
});

app.Run();
