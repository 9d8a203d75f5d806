<?php
// A DataChonk webhook receiver in plain PHP: serve it as the script of /webhooks/datachonk, or try it with
//   DATACHONK_WEBHOOK_SECRET=whsec_… php -S 0.0.0.0:3000 receiver.php

$secret = getenv('DATACHONK_WEBHOOK_SECRET') ?: throw new RuntimeException('set DATACHONK_WEBHOOK_SECRET to the webhook signing secret');
header('Content-Type: application/json');
if ($_SERVER['REQUEST_METHOD'] !== 'POST' || parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) !== '/webhooks/datachonk') {
    http_response_code(404);
    exit(json_encode(['error' => 'not found']));
}

$body = file_get_contents('php://input'); // the raw bytes, as signed: never $_POST
$expected = 'sha256=' . hash_hmac('sha256', $body, $secret);
// hash_equals compares bytes in constant time, and any header (of any length) is just other bytes.
if (!hash_equals($expected, $_SERVER['HTTP_X_DATACHONK_SIGNATURE'] ?? '')) {
    http_response_code(401);
    exit(json_encode(['error' => 'invalid signature']));
}

try {
    $event = json_decode($body, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
} catch (JsonException) {
    http_response_code(400);
    exit(json_encode(['error' => 'the body is not JSON']));
}
if (!is_array($event) || !is_string($event['id'] ?? null)) {
    http_response_code(400);
    exit(json_encode(['error' => 'not a DataChonk event']));
}

// DataChonk retries a delivery that failed: the same event may come twice. Handle it once. PHP keeps
// nothing between requests: a file per id, created only if absent ('x'), marks it done; use your database.
$dir = sys_get_temp_dir() . '/datachonk-events';
@mkdir($dir);
$first = @fopen("$dir/" . hash('sha256', $event['id']), 'x');
$type = is_string($event['event'] ?? null) ? $event['event'] : '?';
if ($first) {
    fclose($first);
    // Your code goes here, by $event['event']; ignore the types you do not know. Slow work: a queue.
    error_log("$type {$event['id']}: verified, handled");
} else {
    error_log("$type {$event['id']}: a repeat, already handled");
}
echo json_encode(['received' => true]);
