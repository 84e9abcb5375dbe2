package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

type (
	messagesResponse struct {
		Messages []chat.Message `json:"messages"`
	}
	sendRequest struct {
		ClientID string `json:"client_id"`
		Text     string `json:"text"`
		ReplyTo  int64  `json:"reply_to"`

		Attachments []string `json:"attachments"`
	}
	editRequest struct {
		Text string `json:"text" required:"true"`
	}
	readRequest struct {
		Seq int64 `json:"seq" required:"true"`
	}
	receiptsResponse struct {
		RoomID chat.RoomID      `json:"room_id"`
		Counts []chat.ReadCount `json:"counts"`
	}
)

func handleHistory(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := pageOf(c)
		if err != nil {
			fail(c, d.Log, err)
			return
		}
		msgs, err := d.Chat.History(c.Request.Context(), caller(c), roomParam(c), p)
		if msgs == nil {
			msgs = []chat.Message{}
		}
		reply(c, d, http.StatusOK, messagesResponse{msgs}, err)
	}
}

func pageOf(c *gin.Context) (chat.Page, error) {
	var p chat.Page
	var err error
	if p.Before, err = parseSeq("before", c.Query("before")); err != nil {
		return p, err
	}
	if p.After, err = parseSeq("after", c.Query("after")); err != nil {
		return p, err
	}
	if p.Around, err = parseSeq("around", c.Query("around")); err != nil {
		return p, err
	}
	if c.Query("around") != "" && p.Around == 0 {
		return p, chat.Errorf(chat.Invalid, "around must be at least 1")
	}
	limit, err := parseSeq("limit", c.Query("limit"))
	if err != nil {
		return p, err
	}
	if c.Query("limit") != "" && limit == 0 {
		return p, chat.Errorf(chat.Invalid, "limit must be 1 to 100")
	}
	p.Limit = int(min(limit, 1000))
	switch c.Query("order") {
	case "", "desc":
	case "asc":
		p.Asc = true
	default:
		return p, chat.Errorf(chat.Invalid, "order must be asc or desc")
	}
	return p, nil
}

func seqParam(c *gin.Context) (int64, error) {
	seq, err := parseSeq("seq", c.Param("seq"))
	if err == nil && seq == 0 {
		err = chat.Errorf(chat.Invalid, "seq must be at least 1")
	}
	return seq, err
}

func handleSend(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[sendRequest](c, d)
		if !ok {
			return
		}
		msg, err := d.Chat.Send(c.Request.Context(), caller(c), chat.SendRequest{
			RoomID: roomParam(c), ClientID: req.ClientID, Text: req.Text, ReplyTo: req.ReplyTo,
			Attachments: req.Attachments,
		})
		reply(c, d, http.StatusCreated, msg, err)
	}
}

func handleEdit(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		seq, err := seqParam(c)
		if err != nil {
			fail(c, d.Log, err)
			return
		}
		req, ok := bind[editRequest](c, d)
		if !ok {
			return
		}
		msg, err := d.Chat.Edit(c.Request.Context(), caller(c), roomParam(c), seq, req.Text)
		reply(c, d, http.StatusOK, msg, err)
	}
}

func handleDelete(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		seq, err := seqParam(c)
		if err != nil {
			fail(c, d.Log, err)
			return
		}
		msg, err := d.Chat.Delete(c.Request.Context(), caller(c), roomParam(c), seq)
		reply(c, d, http.StatusOK, msg, err)
	}
}

func handleMarkRead(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[readRequest](c, d)
		if !ok {
			return
		}
		pos, err := d.Chat.MarkRead(c.Request.Context(), caller(c), roomParam(c), req.Seq)
		reply(c, d, http.StatusOK, pos, err)
	}
}

func handleReceipts(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		counts, err := d.Chat.Receipts(c.Request.Context(), caller(c), roomParam(c))
		if counts == nil {
			counts = []chat.ReadCount{}
		}
		reply(c, d, http.StatusOK, receiptsResponse{RoomID: roomParam(c), Counts: counts}, err)
	}
}
