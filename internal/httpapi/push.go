package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"parley/internal/push"
)

type pushKeyResponse struct {
	PublicKey string `json:"public_key"`
}

func handlePushKey(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.JSON(http.StatusOK, pushKeyResponse{PublicKey: d.Push.PublicKey()})
	}
}

func handleSubscribe(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[push.SubscribeRequest](c, d)
		if !ok {
			return
		}
		sub, err := d.Push.Subscribe(c.Request.Context(), session(c), req)
		reply(c, d, http.StatusCreated, sub, err)
	}
}

func handleUnsubscribe(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		reply(c, d, http.StatusNoContent, nil, d.Push.Unsubscribe(c.Request.Context(), session(c)))
	}
}

type subscriptionsResponse struct {
	Subscriptions []push.Subscription `json:"subscriptions"`
}

func handleListSubscriptions(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := d.Push.Subscriptions(c.Request.Context(), session(c))
		reply(c, d, http.StatusOK, subscriptionsResponse{Subscriptions: list}, err)
	}
}
