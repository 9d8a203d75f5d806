// A DataChonk webhook receiver with Go's standard library alone.
//
//	DATACHONK_WEBHOOK_SECRET=whsec_… go run .
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
)

var (
	secret  = []byte(os.Getenv("DATACHONK_WEBHOOK_SECRET"))
	handled sync.Map // event ids already handled: keep them in your database in production
)

func webhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20)) // the raw bytes, as signed
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	expected := []byte("sha256=" + hex.EncodeToString(mac.Sum(nil)))
	// hmac.Equal compares bytes in constant time; any header, of any length, is just other bytes.
	if !hmac.Equal(expected, []byte(r.Header.Get("X-Datachonk-Signature"))) {
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	var event struct {
		ID    string `json:"id"`
		Event string `json:"event"`
	}
	if err := json.Unmarshal(body, &event); err != nil || event.ID == "" {
		http.Error(w, "not a DataChonk event", http.StatusBadRequest)
		return
	}
	// DataChonk retries a delivery that failed: the same event may come twice. Handle it once.
	if _, repeat := handled.LoadOrStore(event.ID, true); repeat {
		log.Printf("%s %s: a repeat, already handled", event.Event, event.ID)
	} else {
		// Your code goes here, by event.Event; ignore the types you do not know. Slow work: a goroutine or a queue.
		log.Printf("%s %s: verified, handled", event.Event, event.ID)
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"received":true}`)
}

func main() {
	if len(secret) == 0 {
		log.Fatal("set DATACHONK_WEBHOOK_SECRET to the webhook signing secret")
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	listener, err := net.Listen("tcp", ":"+port)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("Listening on http://localhost:%d/webhooks/datachonk", listener.Addr().(*net.TCPAddr).Port)
	http.HandleFunc("/webhooks/datachonk", webhook)
	log.Fatal(http.Serve(listener, nil))
}
