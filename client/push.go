package client

import (
	"context"
	"net/url"

	"parley/internal/chat"
	"parley/internal/push"
)

// PushSubscription is one of the user's push subscriptions as the list
// shows it; Current marks this session's.
type PushSubscription = push.Subscription

// PushKey returns the server's VAPID public key, the applicationServerKey a
// browser subscribes with (base64url).
func (c *Client) PushKey(ctx context.Context) (string, error) {
	var r struct {
		PublicKey string `json:"public_key"`
	}
	err := c.Do(ctx, "GET", "/api/v1/push/key", nil, &r)
	return r.PublicKey, err
}

// Subscribe registers this session's push subscription: where the push
// service takes messages for it, and its p256dh and auth keys (base64url).
// It replaces the session's previous one.
func (c *Client) Subscribe(ctx context.Context, endpoint, p256dh, auth string) (PushSubscription, error) {
	var s PushSubscription
	req := push.SubscribeRequest{Endpoint: endpoint, Keys: push.SubscriptionKeys{P256dh: p256dh, Auth: auth}}
	return s, c.Do(ctx, "POST", "/api/v1/push/subscriptions", req, &s)
}

// Unsubscribe deletes this session's push subscription.
func (c *Client) Unsubscribe(ctx context.Context) error {
	return c.Do(ctx, "DELETE", "/api/v1/push/subscriptions", nil, nil)
}

// PushSubscriptions lists the user's push subscriptions, newest first.
func (c *Client) PushSubscriptions(ctx context.Context) ([]PushSubscription, error) {
	var r struct {
		Subscriptions []PushSubscription `json:"subscriptions"`
	}
	err := c.Do(ctx, "GET", "/api/v1/push/subscriptions", nil, &r)
	return r.Subscriptions, err
}

// Notification settings (docs/protocol.md, "Notifications").
type (
	NotifyLevel         = chat.NotifyLevel
	RoomNotifyLevel     = chat.RoomNotifyLevel
	NotifySettings      = chat.NotifySettings
	NotifySettingsPatch = chat.NotifySettingsPatch
	DNDPatch            = chat.DNDPatch
)

// SetNotifyLevel chooses what in a room notifies the user.
func (c *Client) SetNotifyLevel(ctx context.Context, room RoomID, level NotifyLevel) (RoomNotifyLevel, error) {
	var r RoomNotifyLevel
	return r, c.Do(ctx, "PUT", "/api/v1/rooms/"+url.PathEscape(string(room))+"/notifications", map[string]NotifyLevel{"level": level}, &r)
}

// NotifySettings returns the user's notification settings.
func (c *Client) NotifySettings(ctx context.Context) (NotifySettings, error) {
	var s NotifySettings
	return s, c.Do(ctx, "GET", "/api/v1/me/notifications", nil, &s)
}

// UpdateNotifySettings changes the fields p has and returns the whole settings.
func (c *Client) UpdateNotifySettings(ctx context.Context, p NotifySettingsPatch) (NotifySettings, error) {
	var s NotifySettings
	return s, c.Do(ctx, "PATCH", "/api/v1/me/notifications", p, &s)
}

// Focus reports over REST (the long-poll form) whether this session's
// client has the user's attention.
func (c *Client) Focus(ctx context.Context, focused bool) error {
	return c.Do(ctx, "POST", "/api/v1/me/focus", map[string]bool{"focused": focused}, nil)
}

// Focus reports whether this connection's client has the user's attention:
// true on gaining focus and every 30 s while it lasts, false on losing it.
func (cn *Conn) Focus(ctx context.Context, focused bool) error {
	_, err := cn.Request(ctx, "focus", map[string]bool{"focused": focused})
	return err
}
