# A DataChonk webhook receiver with Sinatra. gem install sinatra rackup puma (or webrick), then:
#   DATACHONK_WEBHOOK_SECRET=whsec_… ruby receiver.rb
require 'json'
require 'openssl'
require 'set'
require 'sinatra'

SECRET = ENV.fetch('DATACHONK_WEBHOOK_SECRET')
HANDLED = Set.new # event ids already handled: keep them in your database in production
LOCK = Mutex.new
$stdout.sync = true

set :port, ENV.fetch('PORT', 3000).to_i
set :bind, '0.0.0.0'

post '/webhooks/datachonk' do
  content_type :json
  request.body.rewind
  body = request.body.read # the raw bytes, as signed: never params or a JSON parser before verifying
  expected = 'sha256=' + OpenSSL::HMAC.hexdigest('SHA256', SECRET, body)
  # secure_compare compares bytes in constant time, and any header (of any length) is just other bytes.
  halt 401, { error: 'invalid signature' }.to_json unless
    Rack::Utils.secure_compare(expected, request.env['HTTP_X_DATACHONK_SIGNATURE'].to_s)

  event = begin
    JSON.parse(body)
  rescue JSON::ParserError
    halt 400, { error: 'the body is not JSON' }.to_json
  end
  halt 400, { error: 'not a DataChonk event' }.to_json unless event.is_a?(Hash) && event['id'].is_a?(String)

  # DataChonk retries a delivery that failed: the same event may come twice. Handle it once.
  if LOCK.synchronize { HANDLED.add?(event['id']) }
    # Your code goes here, by event['event']; ignore the types you do not know. Slow work: a background job.
    puts "#{event['event']} #{event['id']}: verified, handled"
  else
    puts "#{event['event']} #{event['id']}: a repeat, already handled"
  end
  { received: true }.to_json
end
